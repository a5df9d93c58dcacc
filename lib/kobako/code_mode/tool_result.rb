module Kobako
  module CodeMode
    # The answer to a model's script, as text it can act on (#to_s), and as data (#to_h).
    # On success: the value's inspect and the output, each clipped. On failure: the
    # script's exception class and message, the line it failed on with a caret under the
    # name the message is about, the "Did you mean?" hint, and the output so far.
    #
    # A model is as untrusted as the script (contract X-1): everything here is what the
    # script could read. Host objects in the value show as Handles (GuestView), and error
    # messages are the guest's own text, without the host-only detail of Error#message.
    class ToolResult
      CLIP = 2000

      attr_reader :execution, :code

      def initialize(execution, code, clip: CLIP)
        @execution = execution
        @code = code
        @clip = clip
      end

      def ok? = @execution.ok?
      def suspended? = @execution.suspended?

      def to_h
        {
          ok: ok?, value: ok? ? clipped(Kobako::GuestView.inspect(@execution.value, @execution.handle_table)) : nil,
          stdout: clipped(@execution.stdout), stderr: clipped(@execution.stderr), error: error_h,
          suspended: suspended_call
        }
      end

      def to_s
        lines = if ok? then ["ok", "value: #{to_h[:value]}"]
                elsif suspended? then ["suspended: the script is waiting at #{suspended_call}; it goes on once the app answers"]
                else error_lines
                end
        lines << "stdout:\n#{to_h[:stdout].chomp}" unless @execution.stdout.empty?
        lines << "stderr:\n#{to_h[:stderr].chomp}" unless @execution.stderr.empty?
        "#{lines.join("\n")}\n"
      end

      private

      # The call a suspended run waits at, as the script wrote it (Handles as the script
      # sees them; the app's reason stays with the app).
      def suspended_call
        call = @execution.pending_call or return nil
        args = Kobako::GuestView.inspect(call.args, @execution.handle_table)[1...-1]
        clipped("#{call.target}.#{call.method_name}(#{args})")
      end

      def error_h
        error = @execution.error or return nil
        text = error.respond_to?(:guest_message) ? error.guest_message : error.message
        message, hint = text.split(/\n\s*Did you mean\?\s*/, 2)
        line = line_number(error)
        source = line && @code.lines[line - 1]&.chomp
        {
          class: (error.respond_to?(:klass) && error.klass) || error.class.name, message: message.strip,
          hint: hint && "Did you mean? #{hint.strip.gsub(/\s+/, ' ')}", line: line, source: source,
          caret: source && caret(source, message)
        }
      end

      def error_lines
        e = error_h
        lines = ["error: #{e[:class]}: #{e[:message]}"]
        if e[:source]
          lines << "line #{e[:line]}: #{e[:source]}"
          lines << "#{' ' * "line #{e[:line]}: ".length}#{e[:caret]}"
        end
        lines << e[:hint] if e[:hint]
        lines
      end

      # The first line of the script in the error's backtrace ("(eval):3" -> 3), or the one
      # a syntax error's message names.
      def line_number(error)
        frames = error.respond_to?(:backtrace_lines) ? error.backtrace_lines : []
        frames.each do |frame|
          number = frame[/\A\(eval\):(\d+)/, 1]
          return Integer(number) if number
        end
        number = error.message[/\A\(eval\):(\d+):/, 1]
        number && Integer(number)
      end

      # Carets under the name the message quotes (`totl', 'totl', :totl), if the line has
      # it; else under the whole statement.
      def caret(source, message)
        name = message[/[`'‘]([^'`’\s]+)['’]/, 1] || message[/constant (?:[\w:]*::)?(\w+)/, 1] ||
               message[/\.(\w+[?!=]?) is not callable/, 1]
        at = name && source.index(/(?<![\w@$])#{Regexp.escape(name)}(?!\w)/)
        return "#{' ' * at}#{'^' * name.length}" if at

        start = source.index(/\S/) || 0
        "#{' ' * start}#{'^' * [source.rstrip.length - start, 1].max}"
      end

      def clipped(text)
        text = text.to_s
        text.length > @clip ? "#{text[0, @clip]}... (#{text.length - @clip} more characters)" : text
      end
    end
  end
end
