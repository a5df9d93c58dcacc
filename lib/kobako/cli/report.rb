require "json"

module Kobako
  module CLI
    # How the `kobako` command shows one Execution: as the script's own output followed by
    # the value or the error, or as one JSON object; and which exit status it ends with.
    class Report
      def initialize(execution)
        @execution = execution
      end

      def exit_code
        EXIT_CODES.fetch(outcome)
      end

      # The script's output on our stdout/stderr, then the error (on stderr) or, with
      # `value`, the value's inspect.
      def print(stdout, stderr, value:)
        stdout.write(@execution.stdout)
        stderr.write(@execution.stderr)
        if (error = @execution.error)
          stderr.puts(Report.describe(error))
          Report.backtrace(error).each { |line| stderr.puts("\tfrom #{line}") }
        elsif value
          stdout.puts(GuestView.inspect(@execution.value, @execution.handle_table))
        end
      end

      def to_h
        error = @execution.error
        {
          ok: error.nil?, value: error ? nil : Report.jsonable(@execution.value, @execution.handle_table),
          inspect: error ? nil : GuestView.inspect(@execution.value, @execution.handle_table),
          stdout: Report.text(@execution.stdout), stderr: Report.text(@execution.stderr),
          stdout_truncated: @execution.stdout_truncated?, stderr_truncated: @execution.stderr_truncated?,
          usage: @execution.usage.to_h,
          error: error && { class: error.class.name, klass: error.respond_to?(:klass) ? error.klass : nil,
                            message: error.message, backtrace: Report.backtrace(error) },
          suspended: suspended
        }.tap { |h| h[:ok] = false if h[:suspended] }
      end

      # The call a suspended run stopped at (docs/guides/approvals.md), or nil.
      def suspended
        call = @execution.pending_call or return nil
        { target: call.target, method: call.method_name.to_s, id: call.id, reason: call.reason }
      end

      def to_json(*) = JSON.generate(to_h)

      # "NameError: undefined local variable or method 'x' for main (Kobako::SandboxError)"
      def self.describe(error)
        inner = error.respond_to?(:klass) && error.klass
        inner ? "#{inner}: #{error.message} (#{error.class.name})" : "#{error.class.name}: #{error.message}"
      end

      # The script's own backtrace when the guest sent one (never the host's).
      def self.backtrace(error) = error.respond_to?(:backtrace_lines) ? error.backtrace_lines : []

      # A value in JSON's terms: Symbols and other keys as Strings, Floats that JSON cannot
      # carry (NaN, Infinity), and host objects (Handles) as the guest shows them (GuestView:
      # none of the host object's own methods run).
      def self.jsonable(value, handles = nil)
        case GuestView::KERNEL_CLASS.bind_call(value).name
        when "NilClass", "TrueClass", "FalseClass", "Integer" then value
        when "String" then utf8?(value) ? value.encode(Encoding::UTF_8) : value.inspect
        when "Float" then value.finite? ? value : value.to_s
        when "Symbol" then value.to_s
        when "Array" then value.map { |v| jsonable(v, handles) }
        when "Hash" then value.to_h { |k, v| [jsonable_key(k, handles), jsonable(v, handles)] }
        when "Kobako::Execution::HandleRef" then value.inspect # a recorded call's Handle
        # Value types (docs/values.md) as JSON writes them in Rails: numbers and times as text.
        when "BigDecimal" then value.to_s("F")
        when "Rational", "Complex" then value.to_s
        when "Date" then value.iso8601
        when "Time" then value.strftime("%Y-%m-%dT%H:%M:%S.%N%:z") # TimeWithZone says "Time" too
        when "Set" then value.map { |v| jsonable(v, handles) }
        when "Kobako::Record" then value.to_h { |k, v| [k.to_s, jsonable(v, handles)] }
        when "Range" then GuestView.inspect(value, handles)
        else GuestView.label(value, handles)
        end
      end

      def self.jsonable_key(key, handles)
        case GuestView::KERNEL_CLASS.bind_call(key).name
        when "String" then key
        when "Symbol", "Integer", "Float", "NilClass", "TrueClass", "FalseClass" then key.to_s
        else GuestView.inspect(key, handles)
        end
      end

      def self.utf8?(string) = string.dup.force_encoding(Encoding::UTF_8).valid_encoding?

      # Output as JSON text: bytes that are not UTF-8 become U+FFFD.
      def self.text(string) = string.dup.force_encoding(Encoding::UTF_8).scrub("\uFFFD")

      private

      def outcome
        case @execution.error
        when nil then :ok
        when ServiceError then :service_error
        when TimeoutError then :timeout
        when MemoryLimitError then :memory_limit
        when TrapError then :trap
        when SandboxError then :sandbox_error
        else :setup
        end
      end
    end
  end
end
