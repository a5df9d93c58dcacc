# JSON as CRuby's json gem has it (the 2.7 line of Ruby 3.3), after `require "json"`:
# parse, generate, pretty_generate, dump, load, #to_json, and its errors. The engine is
# src/json.c.
module JSON
  class JSONError < StandardError; end
  class ParserError < JSONError; end
  class NestingError < ParserError; end
  class GeneratorError < JSONError; end

  PRETTY = { indent: "  ", space: " ", object_nl: "\n", array_nl: "\n" }.freeze

  # Generator options, and the depth a nested #to_json is called at.
  class State
    OPTIONS = %i[indent space space_before object_nl array_nl allow_nan max_nesting ascii_only script_safe].freeze
    attr_accessor(*OPTIONS)
    attr_accessor :depth

    def self.from(opts) = opts.is_a?(State) ? opts : new(opts)

    def initialize(opts = nil)
      @indent = ""
      @space = ""
      @space_before = ""
      @object_nl = ""
      @array_nl = ""
      @allow_nan = false
      @max_nesting = 100
      @ascii_only = false
      @script_safe = false
      @depth = 0
      configure(opts) if opts
    end

    def configure(opts)
      opts = opts.to_h
      opts.each do |key, value|
        key = key.to_sym
        key = :script_safe if key == :escape_slash
        instance_variable_set(:"@#{key}", value) if OPTIONS.include?(key) || key == :depth
      end
      self
    end
    alias merge configure

    def to_h = OPTIONS.to_h { |k| [k, instance_variable_get(:"@#{k}")] }.merge(depth: @depth)
    def [](key) = to_h[key.to_sym]

    def generate(obj)
      max = @max_nesting
      max = 0 if max.nil? || max == false
      Kobako::JSONEngine.generate(obj, [@indent, @space, @space_before, @object_nl, @array_nl, @allow_nan, max, @ascii_only,
                            @script_safe], self, @depth)
    end
  end

  class << self
    def parse(source, opts = nil)
      opts ||= {}
      source = source.to_str if !source.is_a?(String) && source.respond_to?(:to_str)
      raise TypeError, "no implicit conversion of #{source.class} into String" unless source.is_a?(String)

      max = opts.key?(:max_nesting) ? opts[:max_nesting] : 100
      max = 0 if max.nil? || max == false
      Kobako::JSONEngine.parse(source, opts[:symbolize_names] ? true : false, max, opts[:allow_nan] ? true : false)
    end

    def parse!(source, opts = nil) = parse(source, { max_nesting: false, allow_nan: true }.merge(opts || {}))

    def generate(obj, opts = nil) = State.from(opts).generate(obj)
    alias unparse generate
    alias fast_generate generate

    def pretty_generate(obj, opts = nil)
      state = opts.is_a?(State) ? opts : State.new(PRETTY.merge((opts || {}).to_h))
      state.generate(obj)
    end
    alias pretty_unparse pretty_generate

    def dump(obj, io = nil, _limit = nil)
      json = generate(obj, max_nesting: false, allow_nan: true, script_safe: false)
      return json unless io

      io.write(json)
      io
    end

    def load(source, _proc = nil, opts = nil)
      source = source.read if source.respond_to?(:read)
      return nil if source.nil? || source.empty?

      parse(source, { max_nesting: false, allow_nan: true }.merge(opts || {}))
    end
    alias restore load

    def [](object, opts = {}) = object.is_a?(String) ? parse(object, opts) : generate(object, opts)

    def state = State
    def create_id = "json_class"
  end
end

module Kernel
  def j(*objs) = objs.each { |o| puts JSON.generate(o) } && nil
  def jj(*objs) = objs.each { |o| puts JSON.pretty_generate(o) } && nil
  private :j, :jj
end

class Object
  def to_json(state = nil, *) = to_s.to_json(state)
end

[Hash, Array, String, Integer, Float, NilClass, TrueClass, FalseClass, Symbol].each do |klass|
  klass.class_eval do
    def to_json(state = nil, *) = JSON::State.from(state).generate(self)
  end
end
