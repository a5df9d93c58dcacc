require "spec_helper"
require "stringio"
require "timeout"
require_relative "../support/adversarial_hosts"
require_relative "../support/leak_check"

# Contract S-3 attacked the way an attacker would: every attack class that got around the
# inferred allowlist (issue 11), through bound objects, lambdas, Method objects, classes,
# Structs, OpenStruct, Set, Delegators, Forwardable, Hash subclasses, method_missing objects
# and the Handles they return. Every attempt must be refused in the guest, leave every host
# canary untouched, and show the guest no host-only text. `rake mutation` turns each rule
# off in turn and checks that this file then fails.
RSpec.describe Kobako::Sandbox, "declared capabilities (adversarial)" do
  include AdvHosts

  # Each example must end by itself, even if an attack made the host loop.
  around { |example| Timeout.timeout(60) { example.run } }

  let(:sandbox) { AdvHosts.sandbox }
  let(:canary) { AdvHosts::Canary }

  before { canary.reset! }

  # Runs `code` in the guest and reports [outcome, message]: outcome is "ran" when the
  # expression completed, else the class of what the guest rescued.
  def attempt(code)
    sandbox.eval("begin; __r = (#{code}); ['ran', __r.inspect[0, 300]]; rescue Exception => e; [e.class.to_s, e.message]; end")
  end

  # Runs every attempt with the host's $stdout captured; returns { code => [outcome, message] }.
  def run_all(codes)
    captured = StringIO.new
    real = $stdout
    $stdout = captured
    results = codes.to_h { |code| [code, attempt(code)] }
    $stdout = real
    expect(captured.string).to eq(""), "an attack wrote to the host's $stdout: #{captured.string[0, 200].inspect}"
    results
  ensure
    $stdout = real
  end

  def expect_refused(results)
    results.each do |code, (outcome, message)|
      expect(outcome).not_to eq("ran"), "not refused: #{code} => #{message}"
      expect_no_leak(code, message)
    end
    expect_host_untouched
  end

  def expect_no_leak(code, text)
    leak = LeakCheck.leak_in(text, AdvHosts.leaks)
    expect(leak).to be_nil, "#{code}: host-only text #{leak.inspect} reached the guest: #{text.inspect}"
  end

  def expect_host_untouched
    expect(File.exist?(canary.file)).to be(false), "an attack wrote a file on the host"
    expect($adv_canary).to be_nil, "an attack ran host code (#{$adv_canary.inspect})"
    expect(ENV.key?("KOBAKO_ADV_PWNED")).to be(false)
    expect { Process.waitpid(-1, Process::WNOHANG) }.to raise_error(Errno::ECHILD)
    vault = sandbox.send(:parts).services.lookup("T::Svc").object
    expect(vault.key).to eq(AdvHosts::SECRET)
    expect(vault).not_to be_frozen
    expect(sandbox.eval("T::Fn.call(41) + 1")).to eq(42), "the Sandbox stopped working"
  end

  # Reflective, evaluating and dispatch-by-name calls, with arguments chosen to do damage.
  DANGEROUS = [
    "send(:instance_variable_set, :@key, 'pwned')", "__send__(:instance_eval, '$adv_canary = :send')",
    "public_send(:instance_variable_get, :@key)", "instance_eval('$adv_canary = :ie')", "instance_exec { 1 }",
    "instance_variable_get(:@key)", "instance_variable_set(:@key, 'pwned')", "instance_variables",
    "method(:lookup)", "public_method(:lookup)", "methods", "public_methods",
    "to_enum(:public_send, :instance_variable_set, :@key, 0).next", "enum_for(:instance_variable_get, :@key).next",
    "inject(:instance_eval)", "reduce(:instance_eval)",
    "each_slice(9).chain(['$adv_canary = :chain']).inject(:instance_eval)", "each_with_object([]) { }",
    "cycle.first(3)", "to_set", "tap { |x| x }", "then { |x| x }", "display", "freeze", "extend(Comparable)",
    "singleton_class", "define_singleton_method(:x) { 1 }", "class_eval('$adv_canary = :ce')",
    "const_get(:File)", "binding", "object_id", "__id__", "system('touch #{AdvHosts::Canary.file}')",
    "exit!(3)", "dup", "clone", "itself", "to_a", "each { }", "map { |x| x }", "zip([1])", "dig(:key)",
    "__getobj__", "__setobj__('x')", "instance_eval!('$adv_canary = :bang')",
    "instance_variable_set!(:@key, 'pwned')", "send!(:instance_variable_get, :@key)",
    "def_delegator('($adv_canary = :fwd; Object)', :to_s, :zz)", "try(:instance_variable_get, :@key)",
    "method_missing(:instance_eval, '$adv_canary = :mm')", "respond_to_missing?(:x, true)"
  ].freeze

  TARGETS = {
    "a bound object" => "T::Svc", "a bound lambda" => "T::Fn", "a bound Method" => "T::Meth",
    "a bound class" => "T::Klass", "a Forwardable object" => "T::Fwd", "a Hash subclass" => "T::Store",
    "a method_missing object" => "T::Ghost", "a bound OpenStruct" => "T::Ostruct",
    "a bound SimpleDelegator" => "T::Deleg", "a bound Set" => "T::Set", "a bound Struct" => "T::Rec",
    "a Struct Handle" => "T::Svc.record", "an OpenStruct Handle" => "T::Svc.open_struct",
    "a Delegator Handle" => "T::Svc.delegator", "a SingleForwardable Handle" => "T::Svc.single",
    "a Handle of a subclass" => "T::Svc.child", "an Enumerable Handle" => "T::Svc.list",
    "a method_missing Handle" => "T::Svc.ghost"
  }.freeze

  TARGETS.each do |kind, receiver|
    it "refuses every reflective and dispatch-by-name call through #{kind}" do
      expect_refused(run_all(DANGEROUS.map { |call| "#{receiver}.#{call}" }))
    end
  end

  it "stops the issue's reproduction: inject(:instance_eval) on a Struct Handle's each_slice chain" do
    code = %(T::Svc.record.each_slice(9).chain(["File.write('pwned', Process.pid.to_s)"]).inject(:instance_eval))
    results = Dir.chdir(canary.dir) { run_all([code]) }
    expect(results[code]).to eq(["NoMethodError", "AdvHosts::AdvRecord (Handle #1).each_slice is not callable from the sandbox"])
    expect(File.exist?(File.join(canary.dir, "pwned"))).to be(false)
    expect_host_untouched
  end

  it "runs a declared fold only with a block: a Symbol would name the method to fold with" do
    results = run_all(["T::Svc.list.inject(:instance_eval)", "T::Svc.list.inject('instance_eval')",
                       "T::Svc.list.inject('', :instance_eval)", "T::Svc.list.inject(&:instance_eval)"])
    expect(results["T::Svc.list.inject(:instance_eval)"][1]).to eq("AdvHosts::AdvList (Handle #1).inject is callable from the sandbox only with a block")
    expect_refused(results.reject { |code, _| code.include?("&:") })
    # With a guest block the fold runs in the guest: Symbol#to_proc and instance_eval(String)
    # evaluate the host's strings as guest code, which cannot reach the host.
    expect(sandbox.eval("T::Svc.list.inject(&:instance_eval)")).to eq(:inject)
    expect(sandbox.eval("T::Svc.list.inject { |a, b| a.size + b.size }")).to be > 0
    expect_host_untouched
  end

  it "judges visibility as the object's own class sees it" do
    results = run_all(["T::Svc.child.wipe!", "T::Svc.child.send(:wipe!)", "T::Svc.child.__send__(:wipe!)"])
    expect(results.values.map(&:last).uniq).to eq(["AdvHosts::AdvBase (Handle #1).wipe! is not callable from the sandbox"])
    expect_refused(results)
    expect(sandbox.eval("T::Svc.child.name")).to eq("base")
  end

  it "refuses names a method_missing object answers but did not declare" do
    expect_refused(run_all(%w[boom instance_eval! destroy! each].map { |m| "T::Ghost.#{m}" } +
                           %w[boom wipe! each].map { |m| "T::Svc.ghost.#{m}" }))
    expect(sandbox.eval("T::Ghost.ghost")).to eq(:boo)
    $adv_canary = nil # the declared call ran the object's method_missing, which marks it
  end

  it "never hands over code, classes, OS resources or kobako objects, exposed or not" do
    codes = %w[secret_proc a_class a_module io file dir thread a_binding a_method unbound enumerator].map { |m| "T::Svc.#{m}" } +
            ["T::Svc.record.writer", "T::Svc.record.vault", "T::Svc.record.to_h", "T::Svc.self_ref", "T::Svc.hidden",
             "T::Svc.keyed_hidden", "T::Svc.keyed_basic", "T::Svc.open_struct.writer"]
    results = run_all(codes)
    expect_refused(results)
    expect(results["T::Svc.secret_proc"][1]).to eq("T::Svc.secret_proc returned a host object that can never cross to the sandbox")
    expect(results["T::Svc.hidden"][1]).to eq("T::Svc.hidden returned an object that is not exposed to this Sandbox")
  end

  it "offers an undeclared Struct its members and to_h only, and OpenStruct and Delegators only what was exposed" do
    codes = %w[to_a each members dig(:vault) values_at(0) each_pair deconstruct deconstruct_keys(nil) size
               vault=(nil) writer=(nil) [](:vault) []=(:name,1)].map { |m| "T::Svc.record.#{m}" } +
            %w[key to_h [](:key) dig(:key) each_pair table delete_field(:name) name=('x')].map { |m| "T::Svc.open_struct.#{m}" } +
            %w[wipe! __getobj__ public_methods].map { |m| "T::Svc.delegator.#{m}" }
    results = run_all(codes)
    expect_refused(results)
    expect(sandbox.eval("r = T::Svc.record; [r.name, r.inspect, r.to_s, T::Svc.open_struct.name, T::Svc.delegator.name]"))
      .to eq(["r", "#<Kobako::Handle AdvHosts::AdvRecord>", "#<Kobako::Handle AdvHosts::AdvRecord>", "os", "hidden"])
    expect(sandbox.eval("o = T::Svc.open_struct; [o.respond_to?(:key), o.respond_to?(:name), o.inspect]"))
      .to eq([false, true, "#<Kobako::Handle OpenStruct>"])
  end

  it "refuses Forwardable's delegation builders on classes and objects" do
    codes = ["T::Fwd.def_delegator(:@items, :clear)", "T::Fwd.def_delegators(:@items, :clear)",
             "T::Fwd.instance_delegate([:clear] => :@items)", "T::Fwd.delegate([:clear] => :@items)",
             "T::Svc.single.def_delegator('($adv_canary = :single; Object)', :to_s, :zz)",
             "T::Svc.single.def_single_delegator(:@items, :clear)", "T::Svc.single.single_delegate([:clear] => :@items)",
             "T::Svc.single.def_delegators(:@items, :clear)", "T::Svc.single.size", "T::Fwd.first"]
    expect_refused(run_all(codes))
    expect(sandbox.eval("[T::Fwd.size, T::Svc.single.label]")).to eq([2, "single"])
  end

  it "gives a Hash subclass as a value and lets a bound one be used only as declared" do
    expect_refused(run_all(%w[each [](:a) to_proc default_proc keys store(:b,1) delete(:a)].map { |m| "T::Store.#{m}" }))
    expect(sandbox.eval("[T::Store.fetch(:a), T::Svc.hash_sub]")).to eq([1, { k: 1 }])
    expect($adv_canary).to be_nil
  end

  it "refuses calls on a bound class other than the declared ones (new, allocate, reflection)" do
    expect_refused(run_all(%w[new allocate name ancestors superclass instance_method(:wipe!) instance_methods
                              const_get(:SECRET) class_variable_get(:@@x) private_instance_methods
                              include(Comparable) module_function remove_method(:wipe!) attr_accessor(:key)]
                             .map { |m| "T::Klass.#{m}" }))
    expect(sandbox.eval("T::Klass.count")).to eq(3)
  end

  it "refuses a declaration forged without expose_to_sandbox when it names a method that can never be exposed" do
    expect_refused(run_all(["T::Svc.forged.instance_variable_get(:@key)", "T::Svc.forged.send(:instance_variable_get, :@key)"]))
    expect(sandbox.eval("T::Svc.forged.name")).to eq("forged")
  end

  it "keeps host work bounded: no generic iteration is callable unless declared" do
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    expect_refused(run_all(["T::Svc.record.cycle.include?(:x)", "T::Svc.list.cycle.first(20_000_000)",
                            "T::Svc.cycle.include?(:x)", "T::Set.each_slice(1).cycle.to_a"]))
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be < 2
  end

  it "shows the guest no host detail in messages: addresses, ivars, suggestions, paths, source lines, class names" do
    results = run_all(["T::Svc.lookup('ceo.privat@corp.example')", "T::Svc.add(1)", "T::Svc.read('/etc/kobako/no/such/file')",
                       "T::Svc.custom_error", "T::Svc.leaky_error", "T::Svc.big_under_key", "T::Svc.self_ref",
                       "T::Svc.record.vault", "T::Svc.secret_proc", "T::Svc.record.nope",
                       "T::Svc.open_struct.inspect", "T::Svc.delegator.to_s"])
    results.each { |code, (_, message)| expect_no_leak(code, message) }
    expect(results["T::Svc.lookup('ceo.privat@corp.example')"][1])
      .to eq('key not found: "ceo.privat@corp.example"')
    # Messages Ruby wrote about host objects are rebuilt from what the script can see (X-1).
    expect(results["T::Svc.add(1)"][1])
      .to eq("T::Svc.add raised NoMethodError (details withheld: the message was about host data)")
    expect(results["T::Svc.read('/etc/kobako/no/such/file')"][1])
      .to eq("T::Svc.read raised Errno::ENOENT (details withheld: the message was about host data)")
    # A host exception class reaches the script as its nearest standard class.
    expect(results["T::Svc.custom_error"]).to eq(["ArgumentError", "refund 500.0 exceeds the limit"])
    expect(results["T::Svc.lookup('ceo.privat@corp.example')"][0]).to eq("KeyError")
    expect(results["T::Svc.leaky_error"][1]).to eq("bad vault #<object>")
    expect(results["T::Svc.big_under_key"][1])
      .to eq("T::Svc.big_under_key returned a value that cannot cross to the sandbox: value[key #0]: a Time with more than nanosecond precision (1/3) cannot cross")
    expect(results["T::Svc.open_struct.inspect"]).to eq(["ran", '"#<Kobako::Handle OpenStruct>"'])
    expect_host_untouched
  end

  it "keeps everything on the host side: the original exception as the cause, and the exposure detail" do
    expect { sandbox.eval("T::Svc.lookup('ceo.privat@corp.example')") }.to raise_error(Kobako::ServiceError) { |e|
      expect(e.cause).to be_a(KeyError)
      # The host keeps did_you_mean's help (in #message on 3.1, #detailed_message from 3.2).
      help = e.cause.respond_to?(:detailed_message) ? e.cause.detailed_message : e.cause.message
      expect(help).to include("Did you mean?")
    }
    expect { sandbox.eval("T::Svc.hidden") }.to raise_error(Kobako::ServiceError) { |e|
      expect(e.message).to include("T::Svc.hidden returned an object that is not exposed to this Sandbox (host detail: " \
                                   "T::Svc.hidden: value is a AdvHosts::AdvHidden, which is not exposed to this Sandbox: " \
                                   "expose it with sandbox.expose(AdvHosts::AdvHidden, :method, ...)")
    }
  end

  it "refuses forging and reflection on the proxies themselves" do
    codes = ["Kobako::Handle.new", "Kobako::Handle.allocate", "Kobako::Service.new", "T::Svc.instance_eval { @x }",
             "Kobako.__call_host(1, :lookup, [], {}, nil)", "Class.new(Kobako::Handle).new", "T::Svc.send(:send, :instance_eval, 'x')",
             "T::Svc.public_send(:method, :lookup)", "T::Svc.__send__(:__send__, :instance_eval, 'x')",
             "T::Svc.send(1)", "T::Fn.curry", "T::Fn.to_proc", "T::Fn.binding", "T::Fn.parameters", "T::Meth.unbind",
             "T::Meth.receiver", "T::Meth.owner", "T::Fn >> T::Fn"]
    expect_refused(run_all(codes))
    expect(sandbox.eval("[T::Fn.call(1), T::Fn.(2), T::Fn[3], T::Fn.yield(4), T::Fn.arity, T::Meth.call('ceo.private@corp.example')]"))
      .to eq([1, 2, 3, 4, -1, 1])
  end

  # The guest refuses undeclared names itself, but it is not the authority: a hostile guest
  # can send any request. The same attacks, sent straight to the host's Dispatcher.
  it "refuses undeclared and never-exposable names on the host even when the guest does not check" do
    services = sandbox.send(:parts).services.tap(&:seal!)
    handles = Kobako::HandleTable.new(services.exposures)
    dispatcher = Kobako::Dispatcher.new(services, handles)
    record = handles.fetch(handles.id_for(services.lookup("T::Svc").object.record))
    targets = %w[T::Svc T::Fn T::Meth T::Klass T::Fwd T::Store T::Ghost T::Ostruct T::Deleg T::Set T::Rec] +
              [Kobako::Codec::HandleRef.new(handles.id_for(record))]
    attacks = {
      "instance_variable_get" => [:@key], "instance_variable_set" => [:@key, "pwned"], "instance_eval" => ["$adv_canary = :raw"],
      "send" => [:instance_eval, "$adv_canary = :raw_send"], "public_send" => [:instance_variable_get, :@key],
      "__send__" => [:instance_eval, "$adv_canary = :raw"], "inject" => [:instance_eval], "each_slice" => [9],
      "method" => [:lookup], "to_enum" => [:instance_variable_get, :@key], "freeze" => [], "display" => [],
      "def_delegator" => ["($adv_canary = :raw_fwd; Object)", :to_s, :zz], "instance_eval!" => ["$adv_canary = :raw"],
      "__getobj__" => [], "wipe!" => [], "system" => ["touch #{canary.file}"], "class" => [], "tap" => []
    }
    answers = targets.product(attacks.to_a).map do |target, (name, args)|
      request = Kobako::Codec.pack([target, name, args, {}, 0])
      Kobako::Codec.decode(dispatcher.call(request, 0), handles: handles, faults: true)
    end
    expect(answers.size).to eq(targets.size * attacks.size)
    answers.each do |answer|
      expect(answer).to be_a(Kobako::Codec::Fault)
      expect(answer.message).to match(/is not callable from the sandbox|undefined method/)
      expect_no_leak("raw request", answer.message)
    end
    expect_host_untouched
  end

  describe "declarations" do
    let(:fresh) { Kobako::Sandbox.new }

    it "can never name a reflective or dispatch-by-name method" do
      names = Kobako::Capabilities::NEVER_EXPOSED.to_a + %i[__send__ __getobj__ __setobj__ instance_variable_get
                                                             class_variable_set const_get define_method class_exec
                                                             def_delegator def_instance_delegators instance_eval!
                                                             send! public_send! custom_eval rule_exec
                                                             instance_variable_defined? class_variables const_set
                                                             const_missing define_singleton_method __id__ __method__
                                                             module_eval! def_single_delegators class_eval! methods!
                                                             freeze! display! extend!]
      expect(names.size).to be >= 100
      names.each do |name|
        expect { fresh.define(:X).bind(:"M#{name.object_id}", Object.new, methods: [name]) }
          .to raise_error(ArgumentError, /#{Regexp.escape(name.to_s)} can never be exposed/)
        expect { fresh.expose(AdvHosts::AdvHidden, name) }.to raise_error(ArgumentError, /can never be exposed/)
      end
      expect { Class.new { include Kobako::Exposable; expose_to_sandbox :send } }.to raise_error(ArgumentError, /send can never be exposed/)
    end

    it "refuses an object with no declaration at bind, saying how to declare" do
      expect { fresh.define(:X).bind(:Obj, AdvHosts::AdvHidden.new) }
        .to raise_error(ArgumentError, /cannot bind X::Obj: declare the methods the sandbox may call, with bind\(:Obj, object, methods: %i\[\.\.\.\]\)/)
      expect { fresh.define(:X).bind(:Hash, {}) }.to raise_error(ArgumentError, /cannot bind X::Hash/)
    end

    it "refuses exposing classes whose objects never cross, and methods that are not public" do
      [Proc, Method, Binding, Class, Module, IO, File, Dir, Thread, Enumerator, AdvHosts::AdvSecretProc, Object, Kernel,
       Kobako::Sandbox].each do |klass|
        expect { fresh.expose(klass, :call) }.to raise_error(ArgumentError, /can never cross|never cross/), klass.inspect
      end
      expect { fresh.expose(AdvHosts::AdvHidden, :nope) }.to raise_error(ArgumentError, /no public instance method :nope/)
      expect { fresh.expose(AdvHosts::AdvChild, :wipe!) }.to raise_error(ArgumentError, /no public instance method :wipe!/)
      expect { fresh.expose(AdvHosts::AdvHidden) }.to raise_error(ArgumentError, /at least one method/)
      expect { fresh.expose(AdvHosts::AdvHidden, "no such; name") }.to raise_error(ArgumentError, /not a method name/)
    end
  end

  describe "through slots and bind paths" do
    let(:slotted) do
      Kobako::Sandbox.new(timeout: 0.5).tap do |s|
        s.define(:Ctx).slot(:User).slot(:Typed, methods: %i[lookup])
        s.bind("Top::Deep::Fn", ->(x = nil) { x })
      end
    end

    def attempt_in(box, code, bindings)
      box.eval("begin; __r = (#{code}); ['ran', __r.inspect[0, 300]]; rescue Exception => e; [e.class.to_s, e.message]; end",
               bindings: bindings)
    end

    it "refuses every reflective and dispatch-by-name call through a filled slot" do
      vault = AdvHosts::AdvVault.new
      record = AdvHosts::AdvRecord.new("rec", vault, nil)
      attacks = DANGEROUS.flat_map { |call| ["Ctx::User.#{call}", "Ctx::Typed.#{call}", "Top::Deep::Fn.#{call}"] }
      attacks.each do |code|
        outcome, message = attempt_in(slotted, code, { "Ctx::User" => record, "Ctx::Typed" => vault })
        expect(outcome).not_to eq("ran"), "not refused: #{code} => #{message}"
        expect_no_leak(code, message)
      end
      expect_host_untouched
    end

    it "never lets a filling outlive its invocation, or reach an invocation that did not fill the slot" do
      vault = AdvHosts::AdvVault.new
      expect(attempt_in(slotted, "Ctx::Typed.lookup(#{AdvHosts::PRIVATE_KEY.inspect})", { "Ctx::Typed" => vault }))
        .to eq(["ran", "1"])
      ["Ctx::Typed.lookup(#{AdvHosts::PRIVATE_KEY.inspect})", "Ctx::User.name", "Ctx::Typed.respond_to?(:lookup)"].each do |code|
        outcome, message = attempt_in(slotted, code, {})
        expect(outcome).not_to eq("ran") unless code.include?("respond_to?")
        expect(message).not_to include("1") if outcome == "ran"
        expect(attempt_in(slotted, "Ctx::Typed.respond_to?(:lookup)", {})).to eq(%w[ran true]) # declared with the slot
      end
      expect(attempt_in(slotted, "Ctx::User.respond_to?(:name)", {})).to eq(%w[ran false])
    end

    it "refuses, before running, a filling whose class declares nothing" do
      [AdvHosts::AdvVault.new, AdvHosts::AdvHidden.new, Object.new, {}, "text", 42, Class.new].each do |object|
        expect { slotted.eval("Ctx::User.object_id", bindings: { "Ctx::User" => object }) }
          .to raise_error(ArgumentError, /cannot bind Ctx::User: declare the methods/), object.class.inspect
      end
      expect_host_untouched
    end

    it "refuses bind paths into the guest's own classes, where a Service could replace a core method's receiver" do
      %w[Kernel Object BasicObject Kobako Proc Module Class String::Fake Kernel::Open].each do |path|
        expect { Kobako::Sandbox.new.bind(path, -> { :pwned }) }.to raise_error(ArgumentError), path
      end
    end
  end
end
