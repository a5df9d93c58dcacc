require "json"
require "date"
require "uri"
require "stringio"
require "set"

# Services that make Ruby, its standard library or a gem raise every core exception class
# about host objects holding a secret, the way app code does by accident (contract X-1). A
# script reaches each through an ordinary declared method; the text it reads (its rescued
# exception's message and service_class, CodeMode's answer) must hold no host data.
module HostTextAttacks
  SECRET = "sk_live_51HxQx9-host-only".freeze
  CONFIG = { "stripe_key" => SECRET, "region" => "eu" }.freeze
  FROZEN_TEXT = "token=#{SECRET}".freeze

  # A host object the script never sees: its class name is host-only text too.
  class HiddenLedger
    def initialize = @secret = SECRET
  end

  # Raised on purpose by the app, with words meant for the script.
  class OrderNotFound < StandardError; end

  # name => [the method body (a lambda of the script's arguments), the class the script
  # must see]. Every one raises from inside Ruby, a C method or a library; the comment says
  # what Ruby's own message would carry.
  def self.ruby_raised
    ledger = HiddenLedger.new
    {
      frozen_hash: [->(k) { CONFIG.dup.freeze[k] = 1 }, "FrozenError"], # the Hash's inspect
      frozen_string: [->(_) { FROZEN_TEXT << "x" }, "FrozenError"], # the String
      frozen_object: [->(_) { ledger.freeze.instance_variable_set(:@x, 1) }, "FrozenError"], # the object's inspect
      no_method_hash: [->(_) { CONFIG.strip }, "NoMethodError"], # the Hash's inspect on 3.1
      no_method_object: [->(_) { ledger.balance }, "NoMethodError"], # the class name
      no_method_arg: [->(h) { h.no_such_method }, "NoMethodError"], # about the script's own argument
      name_error: [->(_) { Object.const_get("Key#{SECRET.delete('_-')}") }, "NameError"], # the constant name
      type_coerce: [->(_) { 1 + ledger }, "TypeError"], # the class name
      type_dig: [->(_) { [ledger].dig(0, 1) }, "TypeError"], # the class name
      type_namespace: [->(_) { ledger.instance_eval { self }::Foo }, "TypeError"], # the inspect
      type_convert: [->(_) { "a" + CONFIG }, "TypeError"], # the class name
      argument_integer: [->(_) { Integer(SECRET) }, "ArgumentError"], # the String
      argument_float: [->(_) { Float(SECRET) }, "ArgumentError"], # the String
      argument_library: [->(_) { Gem::Version.new("v #{SECRET}") }, "ArgumentError"], # raised in RubyGems' Ruby code
      key_host: [->(_) { CONFIG.fetch("api_#{SECRET}") }, "KeyError"], # a key the host made
      key_env: [->(_) { ENV.fetch("KOBAKO_NO_SUCH_#{SECRET.delete('-')}") }, "KeyError"], # ENV's key
      index_error: [->(_) { [SECRET].fetch(9) }, "IndexError"],
      range_error: [->(_) { [SECRET].first(2**70) }, "RangeError"],
      range_float: [->(_) { [SECRET][1e30] }, "RangeError"], # the Float
      min_max: [->(_) { [SECRET, ledger].min }, "ArgumentError"], # the class names, from the VM
      name_error_app_frame: [->(_) { ledger.instance_eval { undefined_local_or_method } }, "NameError"],
      stop_iteration: [->(_) { [SECRET].each.tap { |e| 2.times { e.next } } }, "StopIteration"],
      zero_division: [->(_) { SECRET.size / 0 }, "ZeroDivisionError"],
      float_domain: [->(_) { (0.0 / 0).to_i }, "FloatDomainError"],
      regexp: [->(_) { Regexp.new("(#{SECRET}") }, "RegexpError"], # the pattern
      no_matching_pattern: [->(_) { CONFIG => [] }, "NoMatchingPatternError"], # the Hash's inspect
      no_matching_key: [->(_) { CONFIG => { nope: 1 } }, "NoMatchingPatternKeyError"], # the inspect
      json: [->(_) { JSON.parse("{#{SECRET}") }, "JSON::ParserError"], # the text
      uri: [->(_) { URI.parse("https://#{SECRET} x") }, "StandardError"], # the URI
      date: [->(_) { Date.strptime(SECRET, "%Y") }, "Date::Error"],
      errno: [->(_) { File.read("/nonexistent-kobako/#{SECRET}") }, "Errno::ENOENT"], # the path
      uncaught_throw: [->(_) { throw SECRET.to_sym }, "UncaughtThrowError"], # the tag
      compatibility: [->(_) { SECRET.encode("UTF-16LE") + "é" }, "Encoding::CompatibilityError"],
      undefined_conversion: [->(_) { "é#{SECRET}".encode("US-ASCII") }, "Encoding::UndefinedConversionError"],
      invalid_byte: [->(_) { "\xff#{SECRET}".dup.force_encoding("UTF-8").encode("UTF-16") },
                     "Encoding::InvalidByteSequenceError"],
      io_error: [->(_) { StringIO.new(SECRET).tap(&:close_read).read }, "IOError"],
      fiber_error: [->(_) { Fiber.new { SECRET }.tap(&:resume).resume }, "FiberError"],
      thread_error: [->(_) { Thread.current.join }, "ThreadError"],
      math_domain: [->(_) { Math.sqrt(-SECRET.size) }, "Math::DomainError"],
      hash_iteration: [->(_) { h = { a: 1 }; h.each { h[SECRET] = 1 } }, "RuntimeError"],
      set_frozen: [->(_) { Set[SECRET].freeze << 1 }, "FrozenError"],
      comparison: [->(_) { [SECRET, ledger].max }, "ArgumentError"], # the class names
      struct_args: [->(_) { Struct.new(:a).new(SECRET, ledger) }, "ArgumentError"]
    }
  end

  # name => [body, class seen, message the script must read]: messages the app wrote on
  # purpose still reach the script.
  def self.app_raised
    {
      app_class: [->(_) { raise OrderNotFound, "no order 42" }, "StandardError", "no order 42"],
      app_argument: [->(_) { raise ArgumentError, "amount must be positive" }, "ArgumentError",
                     "amount must be positive"],
      app_runtime: [->(_) { raise "the ledger is closed" }, "RuntimeError", "the ledger is closed"],
      app_in_block: [->(_) { [1].each { |i| raise ArgumentError, "row #{i} is invalid" } }, "ArgumentError",
                     "row 1 is invalid"],
      app_anonymous: [->(_) { raise Class.new(StandardError), "custom" }, "StandardError", "custom"],
      app_key: [->(_) { raise KeyError, "no such setting" }, "KeyError", "no such setting"],
      # Ruby's KeyError for a key the script passed keeps Ruby's words: all of it is the script's.
      script_key: [->(k) { CONFIG.fetch(k) }, "KeyError", 'key not found: "missing"']
    }
  end

  # A Sandbox with one Service per case: `Ledger.<name>(arg)`.
  def self.sandbox(**options)
    sandbox = Kobako::Sandbox.new(**options)
    cases = ruby_raised.merge(app_raised)
    service = Object.new
    cases.each { |name, (body, *)| service.define_singleton_method(name) { |arg = "missing"| body.call(arg) } }
    sandbox.bind("Ledger", service, methods: cases.keys)
    sandbox
  end

  # Text that must never reach a script or a model.
  def self.leaks
    [SECRET, SECRET.delete("_-"), "stripe_key", "HiddenLedger", "HostTextAttacks", "OrderNotFound", /0x\h{6,}/,
     "/nonexistent-kobako", "/usr/lib/ruby", File.expand_path("../..", __dir__), "@secret", /Did you mean/]
  end
end
