module Kobako
  # Answers a re-run of a recorded invocation from its transcript instead of the host
  # (Sandbox#replay). The guest is hermetic, so given the same code, snippets, clock, seed
  # and Service answers it makes the same calls byte for byte; each request is compared
  # with the recorded one and answered with the recorded response, after replaying the
  # block calls the Service made. The first difference raises ReplayDivergenceError, which
  # aborts the invocation and reaches the caller of #replay.
  class Replay
    attr_reader :transcript

    def initialize(execution)
      @recorded = execution.transcript_entries
      @failures = execution.replay_record.failures
      @handles = execution.handle_table
      @cursor = 0
      # Bounded by the recording it replays (only matching calls are recorded).
      @transcript = Transcript.new(Transcript::MAX_CALLS, nil)
    end

    def call(request, token)
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
      @transcript.close(entry, recorded.response, recorded.duration)
      recorded.response
    end

    def failure(id) = @failures[id]

    def failures = @failures

    # Raises unless every recorded call was made.
    def finish!
      return if @cursor >= @recorded.size

      diverge!(@cursor, "the script stopped after #{@cursor} Service call#{'s' unless @cursor == 1}; the recording " \
                        "has #{@recorded.size}, the next being #{describe(@recorded[@cursor].request)}")
    end

    private

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
