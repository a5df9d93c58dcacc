module Bench
  # Scripts evaluated both by kobako and by the baselines, so the rows compare like with like.
  module Scripts
    NIL = "nil"
    ADD = "1 + 2"
    XOR = "x = 0; i = 0; while i < 100_000; x ^= i; i += 1; end; x"
    STRING_64K = '"a" * 65536'
  end
end
