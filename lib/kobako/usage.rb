module Kobako
  # What the latest invocation cost (contract C-4).
  #   wall_time    Float seconds spent in the guest call
  #   memory_peak  Integer bytes of linear-memory growth past the size at entry
  class Usage
    attr_reader :wall_time, :memory_peak

    def initialize(wall_time:, memory_peak:)
      @wall_time = wall_time
      @memory_peak = memory_peak
      freeze
    end

    def ==(other)
      other.is_a?(Usage) && wall_time == other.wall_time && memory_peak == other.memory_peak
    end
    alias eql? ==

    def hash = [Usage, wall_time, memory_peak].hash

    def to_h = { wall_time: wall_time, memory_peak: memory_peak }

    def inspect = "#<Kobako::Usage wall_time=#{wall_time} memory_peak=#{memory_peak}>"

    EMPTY = new(wall_time: 0.0, memory_peak: 0)
  end
end
