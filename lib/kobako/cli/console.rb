module Kobako
  module CLI
    # `kobako console`: reads entries and runs each in the sandbox, printing its output and
    # `=> value.inspect` (or the error). An entry that is not complete Ruby yet (an open
    # `def`, block or string) continues on the next line. Every entry is its own invocation,
    # as every eval is, so locals and definitions do not carry over; the prompt says so.
    # With a terminal, lines are edited with Reline and kept in an in-memory history.
    # Ctrl-C while an entry runs stops it and returns to the prompt; at the prompt it drops
    # the line being typed, as irb does; Ctrl-D (or exit) leaves.
    class Console
      PROMPT = "kobako> ".freeze
      CONTINUE = "kobako* ".freeze
      HELLO = "kobako #{VERSION}: each entry runs in a fresh sandbox (nothing carries over). " \
              "exit or Ctrl-D leaves.".freeze

      def initialize(sandbox, input: $stdin, output: $stdout)
        @sandbox = sandbox
        @input = input
        @output = output
        @reline = input.respond_to?(:tty?) && input.tty? && reline
      end

      # Returns the exit status (always 0: a failed entry is shown, not fatal).
      def run
        @output.puts(HELLO)
        loop do
          entry = begin
            read_entry
          rescue Interrupt
            @output.puts
            next
          end
          break if entry.nil? || %w[exit quit].include?(entry.strip)
          next if entry.strip.empty?

          run_entry(entry)
        end
        EXIT_CODES[:ok]
      end

      # Whether `code` is unfinished Ruby (more lines should follow). CRuby's parser only
      # parses it; nothing of it runs on the host.
      def self.incomplete?(code)
        RubyVM::InstructionSequence.compile(code)
        false
      rescue SyntaxError => e
        e.message.match?(/unexpected end-of-input|unterminated .* meets end of file|embedded document meets end of file/)
      end

      private

      def reline
        require "reline"
        Reline
      rescue LoadError
        nil
      end

      # One whole entry: with Reline a multi-line edit (kept in the history as one entry),
      # else lines read until they make finished Ruby.
      def read_entry
        if @reline
          entry = @reline.readmultiline(PROMPT, true) { |code| !Console.incomplete?(code) }
          return entry && "#{entry}\n"
        end

        lines = []
        loop do
          line = read_line(lines.empty? ? PROMPT : CONTINUE)
          return lines.empty? ? nil : lines.join if line.nil?

          lines << line.chomp << "\n"
          code = lines.join
          return code unless Console.incomplete?(code)
        end
      end

      def read_line(prompt)
        @output.print(prompt)
        @output.flush
        @input.gets
      end

      def run_entry(entry)
        show(@sandbox.execute(entry))
      rescue Interrupt
        @output.puts("interrupted")
        @output.flush
      end

      def show(execution)
        @output.write(execution.stdout)
        @output.write(execution.stderr)
        if (error = execution.error)
          @output.puts(Report.describe(error))
        else
          @output.puts("=> #{GuestView.inspect(execution.value, execution.handle_table)}")
        end
        @output.flush
      end
    end
  end
end
