require "stringio"

# Runs the same Ruby snippet in the host's CRuby and in the sandbox and compares what a
# script can observe: its value (or the class of the exception it raised) and its output
# (contract R-4). Each host run happens in a forked child, so constants, methods and
# globals a snippet defines cannot leak into the next one; each sandbox run is a fresh
# invocation anyway.
module Differential
  # What one side observed: [:value, value] or [:error, class name], plus stdout.
  Observation = Struct.new(:outcome, :detail, :stdout) do
    def to_s = "#{outcome == :value ? detail.inspect : "raised #{detail}"}#{stdout.empty? ? '' : " printing #{stdout.inspect}"}"
  end

  Case = Struct.new(:group, :name, :code)
  Result = Struct.new(:kase, :host, :guest) do
    def agree? = host == guest
  end

  module_function

  def host(code)
    reader, writer = IO.pipe
    pid = fork do
      reader.close
      out = StringIO.new
      $stdout = out
      observation = begin
        value = TOPLEVEL_BINDING.dup.eval(code, "(eval)", 1)
        # What crosses back from the sandbox is the value as the codec carries it (a plain
        # Hash without its default proc, say), so compare that.
        Observation.new(:value, Kobako::Codec.decode(Kobako::Codec.encode(value)), out.string)
      rescue Kobako::Codec::UnsupportedValue
        Observation.new(:error, "unsupported value", out.string)
      rescue Exception => e # rubocop:disable Lint/RescueException -- what the snippet raised is the observation
        Observation.new(:error, e.class.name, out.string)
      end
      writer.write(Marshal.dump(observation))
      writer.close
      exit!(0)
    end
    writer.close
    data = reader.read
    reader.close
    Process.wait(pid)
    Marshal.load(data) # rubocop:disable Security/MarshalLoad -- our own child's bytes
  end

  def guest(sandbox, code)
    value = sandbox.eval(code)
    Observation.new(:value, value, sandbox.stdout)
  rescue Kobako::SandboxError => e
    unsupported = e.message.include?("is not a supported sandbox value type") ||
                  e.message.include?("out of the 64-bit range a sandbox value can carry")
    name = unsupported ? "unsupported value" : e.klass
    Observation.new(:error, name, sandbox.stdout)
  rescue Kobako::Error => e
    Observation.new(:error, e.class.name, sandbox.stdout)
  end

  def run(cases, sandbox)
    cases.map { |kase| Result.new(kase, host(kase.code), guest(sandbox, kase.code)) }
  end

  # "group: 312/315 agree (99.0%)" and the disagreements, one per line.
  def report(results)
    results.group_by { |r| r.kase.group }.map do |group, rs|
      agreed = rs.count(&:agree?)
      lines = ["#{group}: #{agreed}/#{rs.size} agree (#{format('%.1f', 100.0 * agreed / rs.size)}%)"]
      rs.reject(&:agree?).each do |r|
        lines << "  #{r.kase.name}: #{r.kase.code.lines.first.strip[0, 100]}"
        lines << "    CRuby:   #{r.host.to_s[0, 200]}"
        lines << "    sandbox: #{r.guest.to_s[0, 200]}"
      end
      lines.join("\n")
    end.join("\n")
  end

  def rate(results) = results.empty? ? 0.0 : results.count(&:agree?).fdiv(results.size)
end
