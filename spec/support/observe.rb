# Everything a script can observe about one invocation: its value (or error class and
# message), its output and its memory growth. Used to compare two ways of running it.
module Observe
  def observe(sandbox, code)
    value = begin
      sandbox.eval(code)
    rescue Kobako::Error => e
      [e.class, e.message]
    end
    [value, sandbox.stdout, sandbox.stderr, sandbox.usage.memory_peak]
  end
end
