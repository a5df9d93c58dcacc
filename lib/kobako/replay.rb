module Kobako
  # Answers a re-run of a recorded invocation from its transcript instead of the host
  # (Sandbox#replay). The guest is hermetic, so given the same code, snippets, clock, seed
  # and Service answers it makes the same calls byte for byte; each request is compared
  # with the recorded one and answered with the recorded response, after replaying the
  # block calls the Service made. The first difference raises ReplayDivergenceError, which
  # aborts the invocation and reaches the caller of #replay.
  #
  # Resuming a suspended run (Sandbox#resume) is a replay too: the call the run stopped at
  # (`pending`) is answered with `answer`, and once the recording is used up every later
  # call goes to the `live` Dispatcher, which records after the replayed calls.
  class Replay
    attr_reader :transcript

    # `pending` is the index of the call a suspended recording stopped at: answered with
    # `answer` when resuming, else it suspends again with `pending_call`'s reason.
    # `byte_limit` caps the transcript once live calls add to it.
    def initialize(entries, failures, handles, pending: nil, pending_call: nil, answer: nil, live: nil, byte_limit: nil) # rubocop:disable Metrics/ParameterLists
      @recorded = entries
      @failures = failures
      @handles = handles
      @cursor = 0
      @pending = pending
      @pending_call = pending_call
      @answer = answer
      @live = live
      # Bounded by the recording it replays (only matching calls are recorded) and, once
      # live calls add to it, by the Sandbox's transcript_limit.
      @transcript = Transcript.new(Transcript::MAX_CALLS, byte_limit)
      live&.continue_from(@transcript, failures, entries.size)
    end

    def self.of(execution)
      record = execution.replay_record
      new(execution.transcript_entries, record.failures, execution.handle_table, pending: record.pending,
                                                                               pending_call: execution.pending_call)
    end

    def call(request, token)
      return @live.call(request, token) if @live && @cursor >= @recorded.size

      index = @cursor
      @cursor += 1
      recorded = @recorded[index]
      unless recorded
        diverge!(index, "the script made call ##{index + 1} (#{describe(request)}), but the recording has only " \
                        "#{@recorded.size}")
      end
      unless recorded.request == request
        diverge!(index, "call ##{index + 1} differs: the script called #{describe(request)}, the recording has " \
                        "#{describe(recorded.request)}")
      end

      entry = @transcript.open(request)
      (recorded.yields || []).each_with_index do |(yield_request, answer), i|
        got = Runtime.yield_to_active_invocation(token, yield_request)
        @transcript.record_yield(entry, yield_request, got)
        next if got == answer

        diverge!(index, "call ##{index + 1} (#{describe(request)}): its block answered block call ##{i + 1} " \
                        "differently than recorded")
      end
      suspend_again(index) if index == @pending && @answer.nil?
      response = index == @pending ? @answer : recorded.response
      @transcript.close(entry, response, index == @pending ? 0.0 : recorded.duration)
      response
    end

    def failure(id) = @live ? @live.failure(id) : @failures[id]

    def failures = @live ? @live.failures : @failures

    # Raises unless every recorded call was made.
    def finish!
      return if @cursor >= @recorded.size

      diverge!(@cursor, "the script stopped after #{@cursor} Service call#{'s' unless @cursor == 1}; the recording " \
                        "has #{@recorded.size}, the next being #{describe(@recorded[@cursor].request)}")
    end

    private

    # Replaying a suspended recording stops where it stopped.
    def suspend_again(index)
      call = @pending_call
      suspension = Suspension.new(call&.reason)
      suspension.call = [call&.target, call&.method_name, call&.args || [], call&.kwargs || {}]
      suspension.entry = index
      raise suspension
    end

    def diverge!(index, message)
      raise ReplayDivergenceError.new("replay diverged: #{message}", index: index)
    end

    # "Shop::Orders.find(3)", from the request bytes (never raising on odd ones).
    def describe(request)
      target, name, args, kwargs, = Execution.decode(request, @handles)
      target = "#{target.class_name} (Handle ##{target.id})" if target.is_a?(Execution::HandleRef)
      parts = Array(args).map(&:inspect) + Hash(kwargs).map { |k, v| "#{k}: #{v.inspect}" }
      "#{target}.#{name}(#{parts.join(', ')})"[0, 200]
    rescue StandardError
      "(an undecodable call)"
    end
  end
end
