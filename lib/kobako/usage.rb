module Kobako
  # What the latest invocation cost (contract C-4).
  #   wall_time    Float seconds spent in the guest call
  #   memory_peak  Integer bytes of linear-memory growth past the size at entry
  #   fuel_used    Integer fuel units the script used (Sandbox.new(fuel:)), nil without a budget
  class Usage
    attr_reader :wall_time, :memory_peak, :fuel_used

    def initialize(wall_time:, memory_peak:, fuel_used: nil)
      @wall_time = wall_time
      @memory_peak = memory_peak
      @fuel_used = fuel_used
      freeze
    end

    def ==(other)
      other.is_a?(Usage) && wall_time == other.wall_time && memory_peak == other.memory_peak &&
        fuel_used == other.fuel_used
    end
    alias eql? ==

    def hash = [Usage, wall_time, memory_peak, fuel_used].hash

    def to_h = { wall_time: wall_time, memory_peak: memory_peak, fuel_used: fuel_used }

    def inspect
      "#<Kobako::Usage wall_time=#{wall_time} memory_peak=#{memory_peak} fuel_used=#{fuel_used.inspect}>"
    end

    EMPTY = new(wall_time: 0.0, memory_peak: 0)
  end
end
