module Kobako
  # Every Service call of one invocation in the order the calls started: the request and
  # response exactly as they crossed (bytes), how long the host took, and the block calls
  # the Service made during it. Kept as bytes in flat lists so recording costs almost
  # nothing per call; decoded only when someone reads Execution#calls. Sandbox#replay
  # answers a re-run from it.
  #
  # Capped at MAX_CALLS entries so a script calling in a loop cannot exhaust host memory;
  # calls past the cap are only counted.
  class Transcript
    MAX_CALLS = 1000

    # One recorded call, as read back: request/response bytes, duration in seconds, and
    # [[request, answer], ...] for the block calls made while it ran (nil for none).
    Entry = Struct.new(:request, :response, :duration, :yields)

    attr_reader :dropped

    def initialize(limit = MAX_CALLS)
      @requests = []
      @responses = []
      @durations = []
      @yields = nil
      @dropped = 0
      @limit = limit
    end

    # The number of a new entry for a call that starts now, or nil when the list is full.
    def open(request)
      if @requests.size >= @limit
        @dropped += 1
        return nil
      end
      @requests << request
      @requests.size - 1
    end

    def close(index, response, duration)
      return unless index

      @responses[index] = response
      @durations[index] = duration
    end

    def record_yield(index, request, answer)
      ((@yields ||= {})[index] ||= []) << [request, answer].freeze if index
    end

    # The recorded calls as Entries.
    def entries
      @requests.each_index.map do |i|
        Entry.new(@requests[i], @responses[i], @durations[i], @yields && @yields[i]).freeze
      end
    end

    def size = @requests.size + @dropped
  end
end
