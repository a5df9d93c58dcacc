require "optparse"
require_relative "../kobako"
require_relative "cli/report"

module Kobako
  # The `kobako` command (exe/kobako):
  #
  #   kobako run FILE [options]     runs the script in FILE ("-": standard input)
  #   kobako eval CODE [options]    runs CODE and prints its value
  #   kobako console [options]      a prompt whose every entry runs in the sandbox
  #
  # Exit status: 0 when the script finished, else EXIT_CODES for what stopped it (2 for a
  # bad command line, 130 for Ctrl-C).
  module CLI
    EXIT_CODES = {
      ok: 0, sandbox_error: 1, usage: 2, service_error: 3, timeout: 4, memory_limit: 5, trap: 6, setup: 7,
      interrupted: 130 # 128 + SIGINT, as shells report a command stopped by Ctrl-C
    }.freeze

    BANNER = <<~TEXT.freeze
      Usage: kobako run FILE [options]   (FILE "-" reads the script from standard input)
             kobako eval CODE [options]
             kobako console [options]
      Runs untrusted Ruby in the kobako sandbox (mruby on WebAssembly).
    TEXT

    # What the command line asked for.
    Options = Struct.new(:sandbox, :json, :print, :services, keyword_init: true)

    class UsageError < StandardError; end
    # -h / --help anywhere on the command line.
    class HelpRequested < StandardError; end

    module_function

    # Runs the command in `argv`; returns the exit status.
    def start(argv, stdin: $stdin, stdout: $stdout, stderr: $stderr)
      command, *rest = argv
      case command
      when "run", "eval", "console" then run_command(command, rest, stdin, stdout, stderr)
      when "-v", "--version"
        stdout.puts("kobako #{VERSION}")
        EXIT_CODES[:ok]
      when "-h", "--help", "help" then raise HelpRequested
      when nil then raise UsageError, "a command is needed (run, eval or console)"
      else raise UsageError, "unknown command #{command.inspect} (run, eval or console)"
      end
    rescue HelpRequested
      stdout.puts(parser(new_options("run")).help)
      EXIT_CODES[:ok]
    rescue UsageError, OptionParser::ParseError => e
      stderr.puts("kobako: #{e.message}")
      stderr.puts("Try `kobako --help`.")
      EXIT_CODES[:usage]
    rescue Interrupt
      # Ctrl-C stops the script at once (the sandbox checks for it while the guest runs);
      # one line says so, not a backtrace.
      stderr.puts("interrupted")
      EXIT_CODES[:interrupted]
    end

    def new_options(command) = Options.new(sandbox: {}, json: false, print: command == "eval", services: [])

    def run_command(command, args, stdin, stdout, stderr)
      options = new_options(command)
      operands = parser(options).parse(args)
      sandbox = build_sandbox(options)
      return Console.new(sandbox, input: stdin, output: stdout).run if command == "console"

      raise UsageError, "#{command} takes one #{command == 'run' ? 'FILE' : 'CODE'}" unless operands.size == 1

      code = command == "eval" ? operands.first : read_script(operands.first, stdin)
      report = Report.new(sandbox.execute(code))
      options.json ? stdout.puts(report.to_json) : report.print(stdout, stderr, value: options.print)
      report.exit_code
    rescue SetupError, ServicesFileError => e
      stderr.puts("kobako: #{e.message}")
      EXIT_CODES[:setup]
    end

    def read_script(path, stdin)
      return stdin.read if path == "-"

      File.read(path)
    rescue SystemCallError => e
      raise UsageError, "cannot read #{path}: #{e.message.sub(/ @ .*/, '')}"
    end

    # A --require-services file that raised or could not be read.
    class ServicesFileError < StandardError; end

    def build_sandbox(options)
      sandbox = Sandbox.new(**options.sandbox)
      options.services.each { |file| require_services(file, sandbox) }
      sandbox
    rescue ArgumentError => e
      raise UsageError, e.message
    end

    # Evaluates a host Ruby file that sets up `sandbox` (bind, define, slot, preload...).
    # It runs on the host with full privileges: it is the operator's code, not the script.
    def require_services(file, sandbox)
      source = File.read(file)
      scope = TOPLEVEL_BINDING.dup
      scope.local_variable_set(:sandbox, sandbox)
      scope.eval(source, File.expand_path(file), 1)
    rescue SystemCallError => e
      raise ServicesFileError, "cannot read #{file}: #{e.message.sub(/ @ .*/, '')}"
    rescue ScriptError, StandardError => e
      raise ServicesFileError, "#{file} raised #{e.class}: #{e.message}"
    end

    def parser(options)
      OptionParser.new do |o|
        o.banner = BANNER
        o.separator ""
        o.on("--timeout SECONDS", "wall-clock seconds per invocation (default 60; \"none\": no cap)") do |v|
          options.sandbox[:timeout] = v == "none" ? nil : seconds(v)
        end
        o.on("--memory BYTES", "guest memory growth cap, e.g. 1048576, 512K, 64M (\"none\": no cap)") do |v|
          options.sandbox[:memory_limit] = bytes(v)
        end
        o.on("--stdout-limit BYTES", "bytes of the script's standard output kept (\"none\": no cap)") do |v|
          options.sandbox[:stdout_limit] = bytes(v)
        end
        o.on("--stderr-limit BYTES", "bytes of the script's standard error kept (\"none\": no cap)") do |v|
          options.sandbox[:stderr_limit] = bytes(v)
        end
        o.on("--json", "print one JSON object: value, stdout, stderr, usage, error") { options.json = true }
        o.on("--[no-]print", "print the value's inspect after the output (default: eval yes, run no)") do |v|
          options.print = v
        end
        o.on("--require-services FILE", "a host Ruby file that sets up `sandbox` (bind Services...)") do |v|
          options.services << v
        end
        o.on("-h", "--help", "this text") { raise HelpRequested }
      end
    end

    def seconds(text)
      Float(text)
    rescue ArgumentError
      raise UsageError, "not a number of seconds: #{text.inspect}"
    end

    SUFFIXES = { "" => 1, "k" => 1 << 10, "m" => 1 << 20, "g" => 1 << 30 }.freeze

    def bytes(text)
      return nil if text == "none"

      match = /\A(\d+)([kmg]?)i?b?\z/i.match(text.strip) or raise UsageError, "not a byte count: #{text.inspect}"
      Integer(match[1], 10) * SUFFIXES.fetch(match[2].downcase)
    end
  end
end

require_relative "cli/console"
