module Kobako
  # Every Service call of one invocation in the order the calls started: the request and
  # response exactly as they crossed (bytes), how long the host took, and the block calls
  # the Service made during it. Kept as bytes in flat lists so recording costs almost
  # nothing per call; decoded only when someone reads Execution#calls. Sandbox#replay
  # answers a re-run from it.
  #
  # Bounded so a script calling in a loop cannot make the host hold more than a fixed
  # budget (contract X-2): at most MAX_CALLS entries and `byte_limit` bytes (the Sandbox's
  # `transcript_limit:`, MAX_BYTES by default) of requests, responses and block calls,
  # counting ENTRY_OVERHEAD for each. The recording is always a prefix of the calls: once
  # a call does not fit, it and every later call are only counted (#dropped).
  class Transcript
    MAX_CALLS = 1000
    MAX_BYTES = 4 << 20
    # What the host keeps per recorded String besides its bytes (the object itself).
    ENTRY_OVERHEAD = 40

    # One recorded call, as read back: request/response bytes, duration in seconds, and
    # [[request, answer], ...] for the block calls made while it ran (nil for none).
    Entry = Struct.new(:request, :response, :duration, :yields)

    attr_reader :dropped, :bytes

    # `byte_limit` nil: no byte cap (only MAX_CALLS).
    def initialize(limit = MAX_CALLS, byte_limit = MAX_BYTES)
      @requests = []
      @responses = []
      @durations = []
      @yields = nil
      @dropped = 0
      @limit = limit
      @byte_limit = byte_limit
      @bytes = 0
      @full = false
    end

    # A transcript of recorded entries read back (RunRecord): nothing more is recorded in it.
    def self.recorded(entries, dropped) = new(MAX_CALLS, nil).fill(entries, dropped)

    # Fills an empty transcript with entries read back, and closes it.
    def fill(entries, dropped)
      @requests = entries.map(&:request)
      @responses = entries.map(&:response)
      @durations = entries.map(&:duration)
      yields = entries.each_with_index.filter_map { |e, i| [i, e.yields.map(&:to_a)] if e.yields }.to_h
      @yields = yields.empty? ? nil : yields
      @dropped = dropped
      @full = true
      self
    end

    # The number of a new entry for a call that starts now, or nil when it is not recorded.
    # (The byte arithmetic is written out: this runs on every Service call.)
    def open(request)
      size = request.bytesize + ENTRY_OVERHEAD
      if @full || @requests.size >= @limit || (@byte_limit && @bytes + size > @byte_limit)
        @full = true
        @dropped += 1
        return nil
      end
      @bytes += size
      @requests << request
      @requests.size - 1
    end

    def close(index, response, duration)
      return unless index && index < @requests.size

      size = response.bytesize + ENTRY_OVERHEAD
      return drop_from(index) if @byte_limit && @bytes + size > @byte_limit

      @bytes += size
      @responses[index] = response
      @durations[index] = duration
    end

    def record_yield(index, request, answer)
      return unless index && index < @requests.size
      return drop_from(index) unless fits?(request, cost(answer))

      @bytes += cost(request) + cost(answer)
      ((@yields ||= {})[index] ||= []) << [request, answer].freeze
    end

    # The recorded calls as Entries.
    def entries
      @requests.each_index.map do |i|
        Entry.new(@requests[i], @responses[i], @durations[i], @yields && @yields[i]).freeze
      end
    end

    def size = @requests.size + @dropped

    # True when every call was recorded.
    def complete? = @dropped.zero?

    private

    def cost(bytes) = bytes.bytesize + ENTRY_OVERHEAD

    def fits?(bytes, more = 0)
      @byte_limit.nil? || @bytes + cost(bytes) + more <= @byte_limit
    end

    # Forgets the entry `index` and every later one (calls made inside it), which become
    # dropped calls: the recording stays a prefix of what happened.
    def drop_from(index)
      removed = @requests.size - index
      (index...@requests.size).each do |i|
        @bytes -= cost(@requests[i])
        @bytes -= cost(@responses[i]) if @responses[i]
        (@yields&.delete(i) || []).each { |req, ans| @bytes -= cost(req) + cost(ans) }
      end
      @requests.slice!(index..)
      @responses.slice!(index..)
      @durations.slice!(index..)
      @dropped += removed
      @full = true
      nil
    end
  end
end
