require "rspec/expectations"
require_relative "../kobako"

module Kobako
  # RSpec matchers for testing your own sandboxed scripts (`require "kobako/rspec"`; they are
  # included into every example group when RSpec is configured, or include
  # Kobako::RSpec::Matchers yourself):
  #
  #   expect(sandbox).to evaluate("1 + 1").to(2)
  #   expect(sandbox).to evaluate("puts 'hi'").and_print("hi\n")
  #   expect(sandbox).to evaluate(formula, bindings: { "Ctx::Order" => order }).to(be > 10)
  #   expect { sandbox.eval("{}.fetch(:a)") }.to raise_sandbox_error("KeyError", /key not found/)
  #   expect(sandbox.execute(code)).to call_service("Shop::Orders", :find).with(3)
  #   expect(sandbox.execute(code)).to stay_within(memory: 1 << 20, time: 0.1)
  #
  # Failure messages show what the script did: its value or error (class, message, the
  # script's backtrace) and its output.
  module RSpec
    # Describes an Execution for a failure message.
    module Describe
      module_function

      OUTPUT_CLIP = 500

      def execution(execution)
        lines = []
        if (error = execution.error)
          inner = error.respond_to?(:klass) && error.klass
          lines << "the script raised #{inner ? "#{inner}: " : ''}#{error.message} (#{error.class.name})"
          backtrace = error.respond_to?(:backtrace_lines) ? error.backtrace_lines : []
          backtrace.first(5).each { |line| lines << "    from #{line}" }
        else
          lines << "the script returned #{Kobako::GuestView.inspect(execution.value, execution.handle_table)}"
        end
        lines << "  stdout: #{clip(execution.stdout)}" unless execution.stdout.empty?
        lines << "  stderr: #{clip(execution.stderr)}" unless execution.stderr.empty?
        lines.join("\n")
      end

      def clip(text) = (text.length > OUTPUT_CLIP ? "#{text[0, OUTPUT_CLIP]}..." : text).inspect

      def code(code) = (code.length > 80 ? "#{code[0, 80]}..." : code).inspect
    end

    # evaluate(code, bindings: nil), with .to(value) and .and_print(stdout) / .and_warn(stderr).
    class Evaluate
      include ::RSpec::Matchers::Composable

      def initialize(code, bindings)
        @code = code
        @bindings = bindings
        @checks = []
      end

      # The script's value must match (a value or a matcher).
      def to(expected)
        @checks << [:value, expected]
        self
      end

      def and_print(expected)
        @checks << [:stdout, expected]
        self
      end

      def and_warn(expected)
        @checks << [:stderr, expected]
        self
      end

      def matches?(sandbox)
        unless sandbox.is_a?(Kobako::Sandbox)
          raise ArgumentError, "evaluate(...) expects a Kobako::Sandbox, got #{sandbox.class}"
        end

        @execution = sandbox.execute(@code, bindings: @bindings)
        @failed = if @execution.ok?
                    @checks.reject { |what, expected| values_match?(expected, @execution.public_send(what)) }
                  else
                    @checks
                  end
        @execution.ok? && @failed.empty?
      end

      def does_not_match?(sandbox)
        raise ArgumentError, "use evaluate(...) with `to`, not `not_to`: say what the script should do" unless @checks.empty?

        !matches?(sandbox)
      end

      def failure_message
        wanted = @failed.map { |what, expected| "#{what} #{description_of(expected)}" }
        intro = "expected #{Describe.code(@code)} to finish#{wanted.empty? ? '' : " with #{wanted.join(' and ')}"}"
        "#{intro}, but #{Describe.execution(@execution)}"
      end

      def failure_message_when_negated
        "expected #{Describe.code(@code)} to fail, but #{Describe.execution(@execution)}"
      end

      def description
        checks = @checks.map { |what, expected| "#{what} #{description_of(expected)}" }
        "evaluate #{Describe.code(@code)}#{checks.empty? ? '' : " with #{checks.join(' and ')}"}"
      end
    end

    # raise_sandbox_error(klass = nil, message = nil): on a block that evaluates, or on an
    # Execution. `klass` is the script's exception class name ("KeyError"), `message` a
    # String or Regexp.
    class RaiseSandboxError
      include ::RSpec::Matchers::Composable

      def initialize(klass, message)
        @klass = klass&.to_s
        @message = message
      end

      def supports_block_expectations? = true

      def matches?(actual)
        @error = error_of(actual)
        @error.is_a?(Kobako::SandboxError) && (@klass.nil? || @error.klass == @klass) &&
          (@message.nil? || values_match?(@message, @error.message))
      end

      def does_not_match?(actual) = !matches?(actual)

      def failure_message
        got = if @error.nil? then "it finished#{@value_text}"
              elsif @error.is_a?(Kobako::SandboxError) then "it raised #{@error.klass}: #{@error.message}"
              else "it raised #{@error.class.name}: #{@error.message}"
              end
        "expected the script to raise #{expected_text} in the sandbox, but #{got}#{@output}"
      end

      def failure_message_when_negated
        "expected the script not to raise #{expected_text} in the sandbox, but it raised #{@error.klass}: #{@error.message}"
      end

      def description = "raise #{expected_text} in the sandbox"

      private

      def expected_text
        [@klass || "an error", @message && "(#{description_of(@message)})"].compact.join(" ")
      end

      def error_of(actual)
        case actual
        when Kobako::Execution
          @value_text = " with #{Kobako::GuestView.inspect(actual.value, actual.handle_table)}" if actual.ok?
          @output = actual.stdout.empty? ? "" : "\n  stdout: #{Describe.clip(actual.stdout)}"
          actual.error
        when Proc
          begin
            value = actual.call
            @value_text = " with #{Kobako::GuestView.inspect(value)}"
            nil
          rescue Kobako::Error => e
            e
          end
        else
          raise ArgumentError, "raise_sandbox_error expects a block or a Kobako::Execution, got #{actual.class}"
        end
      end
    end

    # call_service(path, method), with .with(*args, **kwargs) and .times(n) / .once: on an
    # Execution, from its transcript.
    class CallService
      include ::RSpec::Matchers::Composable

      def initialize(path, method)
        @path = path.to_s
        @method = method.to_sym
        @args = nil
        @count = nil
      end

      def with(*args, **kwargs)
        @args = [args, kwargs]
        self
      end

      def times(count)
        @count = count
        self
      end

      def once = times(1)

      def matches?(execution)
        unless execution.is_a?(Kobako::Execution)
          raise ArgumentError, "call_service expects a Kobako::Execution (sandbox.execute(code)), got #{execution.class}"
        end

        @execution = execution
        @calls = execution.calls
        found = @calls.count { |call| matching?(call) }
        @count ? found == @count : found.positive?
      end

      def does_not_match?(execution) = !matches?(execution)

      def failure_message
        made = @calls.empty? ? "it made no Service calls" : "it called:\n#{@calls.map { |c| "    #{call_text(c)}" }.join("\n")}"
        "expected the script to call #{expected_text}, but #{made}\n#{Describe.execution(@execution)}"
      end

      def failure_message_when_negated
        "expected the script not to call #{expected_text}, but it did"
      end

      def description = "call #{expected_text}"

      private

      def matching?(call)
        return false unless call.target == @path && call.method == @method
        return true unless @args

        values_match?(@args[0], call.args) && values_match?(@args[1], call.kwargs)
      end

      def expected_text
        text = "#{@path}.#{@method}"
        text += "(#{(@args[0].map { |a| description_of(a) } + @args[1].map { |k, v| "#{k}: #{description_of(v)}" }).join(', ')})" if @args
        text += " #{@count} time#{'s' unless @count == 1}" if @count
        text
      end

      def call_text(call)
        args = call.args.map(&:inspect) + call.kwargs.map { |k, v| "#{k}: #{v.inspect}" }
        "#{call.target}.#{call.method}(#{args.join(', ')})"
      end
    end

    # stay_within(memory: bytes, time: seconds): on an Execution, or a Sandbox's latest usage.
    class StayWithin
      def initialize(memory, time)
        raise ArgumentError, "stay_within needs memory: and/or time:" if memory.nil? && time.nil?

        @memory = memory
        @time = time
      end

      def matches?(actual)
        @usage = case actual
                 when Kobako::Execution, Kobako::Sandbox then actual.usage
                 else raise ArgumentError, "stay_within expects a Kobako::Execution or a Kobako::Sandbox, got #{actual.class}"
                 end
        (@memory.nil? || @usage.memory_peak <= @memory) && (@time.nil? || @usage.wall_time <= @time)
      end

      def failure_message
        "expected the script to stay within #{limits}, but it used #{@usage.memory_peak} bytes of memory " \
          "growth and #{format('%.6f', @usage.wall_time)} s"
      end

      def failure_message_when_negated = "expected the script to exceed #{limits}, but it stayed within"

      def description = "stay within #{limits}"

      private

      def limits = [@memory && "#{@memory} bytes of memory growth", @time && "#{@time} s"].compact.join(" and ")
    end

    module Matchers
      def evaluate(code, bindings: nil) = Evaluate.new(code, bindings)
      def raise_sandbox_error(klass = nil, message = nil) = RaiseSandboxError.new(klass, message)
      def call_service(path, method) = CallService.new(path, method)
      def stay_within(memory: nil, time: nil) = StayWithin.new(memory, time)
    end
  end
end

::RSpec.configure { |config| config.include(Kobako::RSpec::Matchers) } if defined?(::RSpec) && ::RSpec.respond_to?(:configure)
