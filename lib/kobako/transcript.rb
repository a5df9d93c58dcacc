module Kobako
  # Every Service call of one invocation in the order the calls started: the request and
  # response exactly as they crossed (bytes), how long the host took, and the block calls
  # the Service made during it. Kept as bytes so recording costs almost nothing; decoded
  # only when someone reads Execution#calls. Sandbox#replay answers a re-run from it.
  #
  # Capped at MAX_CALLS entries so a script calling in a loop cannot exhaust host memory;
  # calls past the cap are only counted.
  class Transcript
    MAX_CALLS = 1000

    # request/response: the bytes of the call and of its answer; yields: [[request,
    # answer], ...] for the block calls made while it ran.
    Entry = Struct.new(:request, :response, :duration, :yields)

    attr_reader :entries, :dropped

    def initialize(limit = MAX_CALLS)
      @entries = []
      @dropped = 0
      @limit = limit
    end

    # A new entry for a call that starts now, or nil when the transcript is full.
    def open(request)
      if @entries.size >= @limit
        @dropped += 1
        return nil
      end
      entry = Entry.new(request, nil, nil, nil)
      @entries << entry
      entry
    end

    def close(entry, response, duration)
      return unless entry

      entry.response = response
      entry.duration = duration
    end

    def record_yield(entry, request, answer)
      (entry.yields ||= []) << [request, answer].freeze if entry
    end

    def size = @entries.size + @dropped
  end
end
