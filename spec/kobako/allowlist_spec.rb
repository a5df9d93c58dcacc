require "spec_helper"
require "tmpdir"

# Contract S-3, adversarially: a script tries every reflective, process-level and probing
# method through each kind of target. Every attempt must fail with ServiceError and leave
# the host exactly as it was.
RSpec.describe Kobako::Sandbox, "dispatch allowlist (adversarial)" do
  # A bound plain object with one legitimate method and some state to protect.
  class AllowlistTarget
    attr_reader :touched

    def initialize = @secret = "host secret"
    def secret_state = @secret
    def ping = :pong
    def make = AllowlistTarget.new
    def give_proc = -> { :leaked }
    def give_method = method(:ping)
    def give_binding = binding
    def give_unbound = AllowlistTarget.instance_method(:ping)
    def give_in_list = [1, { deep: -> {} }]
    protected def guarded = :protected
    private def hidden = :private
  end

  class AllowlistBase
    def inherited_api = :from_superclass
  end

  class AllowlistChild < AllowlistBase
    def self.build(name) = "built #{name}"
  end

  class AllowlistGhost
    def method_missing(name, *args) = name == :ghost ? :boo : super
    def respond_to_missing?(name, include_private = false) = name == :ghost || super
  end

  class AllowlistNarrow
    def read = :read
    def write = :written

    private def respond_to_guest?(name) = name == :read
  end

  let(:dir) { Dir.mktmpdir("kobako-allowlist") }
  let(:canary) { File.join(dir, "canary") }
  let(:target) { AllowlistTarget.new }
  let(:sandbox) do
    described_class.new(timeout: 5).tap do |s|
      s.define(:T).bind(:Lambda, ->(x = nil) { x })
                  .bind(:Object, target)
                  .bind(:Class, AllowlistChild)
                  .bind(:Ghost, AllowlistGhost.new)
                  .bind(:Narrow, AllowlistNarrow.new)
                  .bind(:Ping, target.method(:ping))
    end
  end

  after { FileUtils.remove_entry(dir) }

  # Guest expressions reaching each kind of target.
  TARGETS = {
    "a bound lambda" => "T::Lambda",
    "a bound plain object" => "T::Object",
    "a bound class" => "T::Class",
    "a Handle" => "T::Object.make"
  }.freeze

  # Proxies forward the method these name to the host, so the refusal names that method.
  FORWARDERS = %w[send __send__ public_send].freeze

  def args_of(name) = attempts.fetch(name)

  # name => guest argument list (as source), chosen to do damage if the call ever ran.
  def attempts
    cmd = "touch #{canary}".inspect
    {
      "send" => ":system, #{cmd}", "__send__" => ":system, #{cmd}", "public_send" => ":instance_variable_get, :@secret",
      "instance_eval" => "'system(#{cmd})'", "instance_exec" => "", "instance_variable_get" => ":@secret",
      "instance_variable_set" => ":@secret, 'pwned'", "instance_variables" => "", "method" => ":ping",
      "methods" => "", "binding" => "", "define_method" => ":pwn", "class_eval" => "'def pwn; end'",
      "const_get" => ":File", "eval" => "'system(#{cmd})'", "system" => cmd, "`" => cmd.delete_prefix("'"),
      "exit" => "0", "exit!" => "0", "abort" => "'bye'", "fork" => "", "spawn" => cmd,
      "open" => "'|#{cmd[1..-2]}'", "require" => "'socket'", "load" => "'/etc/hostname'",
      "object_id" => "", "__id__" => "", "respond_to?" => ":ping", "instance_of?" => ":Object",
      "is_a?" => ":Object", "class" => "", "singleton_class" => "", "dup" => "", "clone" => "",
      "freeze" => "", "display" => "", "tap" => "", "then" => "", "frozen?" => "",
      "to_s" => "", "extend" => ":Kernel", "syscall" => "39", "trap" => "'INT'", "at_exit" => ""
    }
  end

  def guest_call(receiver, name, args)
    name == "`" ? "#{receiver}.`(#{args.inspect})" : "#{receiver}.#{name}(#{args})"
  end

  def host_untouched!
    expect(File.exist?(canary)).to be(false), "a command ran on the host"
    expect(target.secret_state).to eq("host secret")
    expect(AllowlistTarget.instance_methods(false)).not_to include(:pwn)
    expect { Process.waitpid(-1, Process::WNOHANG) }.to raise_error(Errno::ECHILD)
  end

  TARGETS.each do |kind, receiver|
    describe "through #{kind}" do
      it "refuses every reflective, process-level and probing method with ServiceError" do
        sandbox.eval("1") # load everything a first eval needs before counting
        loaded = $LOADED_FEATURES.size
        pid = Process.pid
        messages = attempts.to_h do |name, args|
          code = "begin; #{guest_call(receiver, name, args)}; :not_refused; " \
                 "rescue Kobako::ServiceError => e; e.message; end"
          [name, sandbox.eval(code)]
        end
        expect($LOADED_FEATURES.size).to eq(loaded)
        messages.each do |name, message|
          expect(message).to match(/is not callable from the sandbox|undefined method/),
                             "#{kind}: #{name} was not refused (got #{message.inspect})"
          # send, __send__ and public_send forward the method they name: that name is refused.
          expect(message).to include(FORWARDERS.include?(name) ? args_of(name)[/\A:(\w+)/, 1] : name)
        end
        expect(Process.pid).to eq(pid)
        host_untouched!
      end

      it "raises ServiceError on the host when the script does not rescue" do
        %w[system instance_variable_set send].each do |name|
          expect { sandbox.eval(guest_call(receiver, name, attempts.fetch(name))) }
            .to raise_error(Kobako::ServiceError, /is not callable from the sandbox/) { |e| expect(e.origin).to eq("service") }
        end
        host_untouched!
      end
    end
  end

  it "refuses the Class and Module methods of a bound class but allows its own and inherited ones" do
    %w[new allocate name superclass ancestors instance_methods const_set class_variable_get remove_method
       private_instance_methods module_function include].each do |name|
      message = sandbox.eval("begin; T::Class.#{name}(:x); rescue Kobako::ServiceError => e; e.message; end")
      expect(message).to eq("T::Class.#{name} is not callable from the sandbox")
        .or eq("undefined method '#{name}' for T::Class")
    end
    expect(sandbox.eval("T::Class.build('x')")).to eq("built x")
    expect(AllowlistChild.instance_methods(false)).to eq([])
  end

  it "answers inspect on the proxy itself, revealing nothing about the host object" do
    expect(sandbox.eval("[T::Object.inspect, T::Object.make.inspect]"))
      .to eq(["#<Kobako::Service T::Object>", "#<Kobako::Handle 1>"])
  end

  it "allows methods a user superclass defines" do
    sandbox.define(:More).bind(:Child, AllowlistChild.new)
    expect(sandbox.eval("More::Child.inherited_api")).to eq(:from_superclass)
  end

  it "refuses private and protected methods" do
    expect(sandbox.eval("[T::Object.ping] + %w[hidden guarded].map { |m| begin; T::Object.__send__(m); rescue Kobako::ServiceError => e; e.message; end }"))
      .to eq([:pong, "T::Object.hidden is not callable from the sandbox", "T::Object.guarded is not callable from the sandbox"])
    expect(sandbox.eval("%w[hidden guarded].map { |m| begin; T::Object.hidden; rescue Kobako::ServiceError => e; e.message; end }"))
      .to eq(["T::Object.hidden is not callable from the sandbox"] * 2)
    expect(sandbox.eval("begin; T::Object.guarded; rescue Kobako::ServiceError => e; e.message; end"))
      .to eq("T::Object.guarded is not callable from the sandbox")
  end

  it "refuses methods that exist only through method_missing" do
    expect(sandbox.eval("begin; T::Ghost.ghost; rescue Kobako::ServiceError => e; e.message; end"))
      .to eq("T::Ghost.ghost is not callable from the sandbox")
  end

  it "narrows the surface with a private respond_to_guest?" do
    expect(sandbox.eval("T::Narrow.read")).to eq(:read)
    expect(sandbox.eval("begin; T::Narrow.write; rescue Kobako::ServiceError => e; e.message; end"))
      .to eq("T::Narrow.write is not callable from the sandbox")
    expect(sandbox.eval("begin; T::Narrow.respond_to_guest?(:write); rescue Kobako::ServiceError => e; e.message; end"))
      .to eq("T::Narrow.respond_to_guest? is not callable from the sandbox")
  end

  it "lets a bound lambda be called (call, [], .(), yield, arity) and nothing else" do
    expect(sandbox.eval("[T::Lambda.call(1), T::Lambda[2], T::Lambda.(3), T::Lambda.yield(4), T::Lambda.arity]"))
      .to eq([1, 2, 3, 4, -1])
    %w[curry to_proc parameters source_location binding lambda? ruby2_keywords >> <<].each do |name|
      code = name.match?(/\A\W/) ? "T::Lambda #{name} T::Lambda" : "T::Lambda.#{name}"
      message = sandbox.eval("begin; #{code}; rescue Kobako::ServiceError, TypeError => e; e.message; end")
      expect(message).to match(/is not callable from the sandbox|cannot be passed as a value/), "#{name}: #{message}"
    end
  end

  it "lets a bound Method object be called but not unbound or inspected" do
    expect(sandbox.eval("T::Ping.call")).to eq(:pong)
    %w[unbind owner receiver source_location to_proc].each do |name|
      expect(sandbox.eval("begin; T::Ping.#{name}; rescue Kobako::ServiceError => e; e.message; end"))
        .to eq("T::Ping.#{name} is not callable from the sandbox")
    end
  end

  it "refuses a Service whose result is (or contains) a Proc, Method, Binding or UnboundMethod" do
    %w[give_proc give_method give_binding give_unbound give_in_list].each do |name|
      message = sandbox.eval("begin; T::Object.#{name}; rescue Kobako::ServiceError => e; e.message; end")
      expect(message).to start_with("T::Object.#{name} returned a value that cannot cross to the sandbox")
      expect(message).to match(/is never handed to the sandbox/)
    end
    expect { sandbox.eval("T::Object.give_proc") }.to raise_error(Kobako::ServiceError)
  end

  it "applies the same rules to Handles returned from Handles" do
    expect(sandbox.eval("T::Object.make.make.ping")).to eq(:pong)
    expect(sandbox.eval("begin; T::Object.make.make.instance_variable_get(:@secret); rescue Kobako::ServiceError => e; e.message; end"))
      .to eq("Handle #2.instance_variable_get is not callable from the sandbox")
  end

  it "refuses names that are not method names before they become Symbols" do
    dispatcher = Kobako::Dispatcher.new(Kobako::Services.new.tap { |s| s.define(:X).bind(:Y, target) }.tap(&:seal!),
                                        Kobako::HandleTable.new)
    ["ping; system('x')", "a" * 300, "\xFF".b, "", "@secret"].each do |bad|
      request = Kobako::Codec::FACTORY.dump(["X::Y", bad, [], {}, 0])
      answer = Kobako::Codec.decode(dispatcher.call(request, 0), faults: true)
      expect(answer.message).to match(/is not a method name/)
    end
  end
end
