module Kobako
  # An optional observer of invocations and Service calls (the Rails integration installs
  # one that publishes ActiveSupport::Notifications). Nil by default: then nothing is done
  # beyond reading this setting. An instrumenter answers
  #   execute(sandbox, kind, code_or_target) { ... } -> the block's Execution
  #   service_call(payload) { ... } -> the block's response; the block fills payload with
  #                                    :service (the target's label) and :method
  # and must call the block exactly once.
  class << self
    attr_accessor :instrumenter
  end
  self.instrumenter = nil
end
