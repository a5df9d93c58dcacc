require "ostruct"
require "delegate"
require "forwardable"
require "set"
require "tmpdir"

# Host objects for the adversarial capability suite: each is the kind of thing a real app
# binds or returns, carrying state an attacker wants (a secret, a Proc that writes a
# canary, a path) and the generic methods that attacks ride on. Their class names must
# never reach the guest unless the suite exposes them.
module AdvHosts
  SECRET = "s3cr3t-7f2a-canary-value".freeze
  PRIVATE_KEY = "ceo.private@corp.example".freeze

  # Every attack that works leaves a mark here (file, global, ivar, ENV, stdout, frozen state).
  module Canary
    module_function

    def dir = (@dir ||= Dir.mktmpdir("kobako-adv"))
    def file = File.join(dir, "pwned")
    def hit!(why) = ($adv_canary = why)

    def reset!
      $adv_canary = nil
      ENV.delete("KOBAKO_ADV_PWNED")
      FileUtils.rm_f(file)
    end
  end

  # A bound Service with generic Ruby surface (Enumerable) and secrets.
  class AdvVault
    include Enumerable

    attr_reader :key

    def initialize
      @key = SECRET
      @writer = -> { Canary.hit!(:proc_ran) }
      @rows = ["File.write(#{Canary.file.inspect}, Process.pid.to_s)", "$adv_canary = :instance_eval"]
    end

    def each(&block) = @rows.each(&block)
    def lookup(key) = { PRIVATE_KEY => 1 }.fetch(key)
    def add(x) = self + x
    def read(path) = File.read(path)
    def record = AdvRecord.new("r", self, @writer)
    def open_struct = OpenStruct.new(name: "os", key: SECRET, writer: @writer)
    def delegator = AdvDelegator.new(AdvHidden.new)
    def single = AdvSingle.build
    def set = Set["a", "b"]
    def hash_sub = AdvHashSub[k: 1]
    def ghost = AdvGhost.new
    def child = AdvChild.new
    def list = AdvList.new
    def enumerator = @rows.each
    def secret_proc = AdvSecretProc.new { Canary.hit!(:secret_proc) }
    def a_class = AdvHidden
    def a_module = Kernel
    def io = $stdout
    def file = File.open(__FILE__)
    def dir = Dir.new(Canary.dir)
    def thread = Thread.current
    def a_binding = binding
    def a_method = method(:lookup)
    def unbound = AdvVault.instance_method(:lookup)
    def hidden = AdvHidden.new
    def keyed_hidden = { AdvHidden.new => 1 }
    def keyed_basic = { BasicObject.new => 1 }
    def big_under_key = { AdvRecord.new("k", self, nil) => Time.at(Rational(1, 3)) }
    def custom_error = raise(AdvRefusal, "refund 500.0 exceeds the limit")
    def leaky_error = raise(ArgumentError, "bad vault #{inspect}")
    def self_ref = self
    def forged = AdvForged.new
  end

  class AdvHidden
    def self.count = 3

    def initialize = @key = SECRET
    def name = "hidden"
    def wipe! = Canary.hit!(:hidden_wipe)
  end

  AdvRecord = Struct.new(:name, :vault, :writer)

  class AdvDelegator < SimpleDelegator; end

  # SingleForwardable: def_delegator is a public singleton method of the object.
  class AdvSingle
    def label = "single"

    def self.build
      obj = new
      obj.extend(SingleForwardable)
      obj.instance_variable_set(:@items, %w[a b])
      obj.def_delegator(:@items, :size)
      obj
    end
  end

  # Forwardable at class level, instance bound as a Service.
  class AdvFwd
    extend Forwardable

    def_delegators :@items, :size, :first

    def initialize = @items = %w[x y]
  end

  class AdvHashSub < Hash
    def each(*) = Canary.hit!(:hash_sub_each)
  end

  class AdvGhost
    def method_missing(name, *args)
      Canary.hit!(:"ghost_#{name}")
      name.to_s.end_with?("!") ? super : :boo
    end

    def respond_to_missing?(_name, _include_private = false) = true
  end

  class AdvBase
    def name = "base"
    def wipe! = Canary.hit!(:base_wipe)
  end

  class AdvChild < AdvBase
    private :wipe!
  end

  # An Enumerable whose elements are code: inject(:instance_eval) would run it on the host.
  class AdvList
    include Enumerable

    def each
      yield "File.write(#{Canary.file.inspect}, 'inject')"
      yield "$adv_canary = :inject"
    end
  end

  class AdvSecretProc < Proc
    include Kobako::Exposable
    expose_to_sandbox :call
  end

  class AdvRefusal < ArgumentError; end

  # A class that writes a declaration without expose_to_sandbox, naming a method that can
  # never be exposed: the call-time check must refuse it anyway.
  class AdvForged
    include Kobako::Exposable
    @kobako_exposed = Set[:instance_variable_get, :name]

    def name = "forged"
  end

  module_function

  # A Sandbox wired the way an app would, with every kind of target bound or exposed.
  def sandbox
    vault = AdvVault.new
    fwd = AdvFwd.new
    Kobako::Sandbox.new(timeout: 0.5).tap do |s|
      s.expose(AdvBase, :name, :wipe!)
      s.expose(OpenStruct, :name)
      s.expose(AdvDelegator, :name)
      s.expose(Set, :include?, :size)
      s.expose(AdvSingle, :label)
      s.expose(AdvList, :inject, :first)
      s.define(:T).bind(:Svc, vault, methods: %i[lookup add read record open_struct delegator single set hash_sub ghost
                                                 child list enumerator secret_proc a_class a_module io file dir thread
                                                 a_binding a_method unbound hidden keyed_hidden keyed_basic
                                                 big_under_key custom_error leaky_error self_ref forged])
        .bind(:Fn, ->(x = nil) { x })
        .bind(:Meth, vault.method(:lookup))
        .bind(:Klass, AdvHidden, methods: %i[count])
        .bind(:Fwd, fwd, methods: %i[size])
        .bind(:Store, AdvHashSub[a: 1], methods: %i[fetch])
        .bind(:Ghost, AdvGhost.new, methods: %i[ghost])
        .bind(:Ostruct, OpenStruct.new(name: "bound", key: SECRET), methods: %i[name])
        .bind(:Deleg, AdvDelegator.new(AdvHidden.new), methods: %i[name])
        .bind(:Set, Set[1, 2], methods: %i[include?])
        .bind(:Rec, AdvRecord.new("bound", vault, nil))
    end
  end

  # Text that must never reach the guest.
  def leaks
    [/0x\h{6,}/, SECRET, PRIVATE_KEY, "@key", "@writer", "@rows", /Did you mean/, /\^{3,}/,
     /AdvVault|AdvHidden|AdvSecretProc|AdvGhost|AdvChild|AdvFwd|AdvHashSub|AdvRefusal/,
     Dir.pwd, File.expand_path("../..", __dir__), Canary.dir, "/usr/lib/ruby", RbConfig::CONFIG["rubylibdir"]]
  end
end
