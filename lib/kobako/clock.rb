module Kobako
  # The guest's clock and random seed (`Sandbox.new(clock:, seed:)`, see docs/decisions.md).
  #
  #   clock: :frozen  2000-01-01T00:00:00Z, monotonic clocks at 0 (the default, contract R-2)
  #          :host    the host's real time when each invocation starts, moving with the
  #                   invocation's elapsed wall time; monotonic clocks count from 0 at its start
  #          a Time   fixed at that instant (nanoseconds kept), monotonic clocks at 0
  #   seed:  nil      the fixed default sequence (the default)
  #          Integer  every random source in the guest starts from this seed, reduced to its
  #                   low 64 bits (two's complement), in every invocation
  #
  # The native Runtime takes them per invocation as nil (frozen, no seed: nothing to do) or
  # `[start_ns, advances, seed]`, which is what a recorded invocation needs to be replayed.
  module Clock
    FROZEN_NS = 946_684_800 * 1_000_000_000
    MODES = %i[frozen host].freeze
    SEED_MASK = (1 << 64) - 1
    # The WASI clock is an unsigned 64-bit count of nanoseconds since the epoch.
    NS_RANGE = (0...(1 << 64)).freeze

    module_function

    # The normalised `clock:` option: :frozen, :host, or a frozen copy of the Time.
    def option(value)
      return value if MODES.include?(value)

      if value.is_a?(Time)
        unless NS_RANGE.cover?(nanoseconds(value))
          raise ArgumentError, "clock Time must be between 1970-01-01 and 2554-07-21 UTC, got #{value.inspect}"
        end

        return value.frozen? ? value : value.dup.freeze
      end
      raise ArgumentError, "clock must be :frozen, :host or a Time, got #{value.inspect}"
    end

    # The `seed:` option: nil or an Integer (of any size).
    def seed(value)
      return value if value.nil? || value.is_a?(Integer)

      raise ArgumentError, "seed must be nil or an Integer, got #{value.inspect}"
    end

    # What the Runtime gets for one invocation starting now: nil for the frozen clock
    # without a seed, else [start_ns, advances, seed (0...2**64) or nil].
    def for_invocation(clock, seed)
      seed &&= seed & SEED_MASK
      case clock
      when :frozen then seed && [FROZEN_NS, false, seed]
      when :host then [Process.clock_gettime(Process::CLOCK_REALTIME, :nanosecond), true, seed]
      else [nanoseconds(clock), false, seed]
      end
    end

    def nanoseconds(time) = (time.to_i * 1_000_000_000) + time.nsec

    FROZEN_TIME = Time.at(FROZEN_NS / 1_000_000_000).utc.freeze

    # The Time an invocation's clock started at (its per-invocation value, or nil).
    def time_of(invocation)
      return FROZEN_TIME if invocation.nil? || invocation[0] == FROZEN_NS

      Time.at(invocation[0] / 1_000_000_000, invocation[0] % 1_000_000_000, :nsec).utc.freeze
    end
  end
end
