# Struct with keyword arguments as in CRuby 3.3: `keyword_init: true` takes only keywords,
# the default takes keywords when no positional argument is given, `false` treats a
# keyword hash as one positional value.
class Struct
  class << self
    alias __kobako_define new

    def new(*fields, keyword_init: nil, &block)
      klass = __kobako_define(*fields)
      klass.instance_variable_set(:@__kobako_keyword_init, keyword_init)
      # mruby's generated `new` folds keywords into a positional Hash; this one keeps them.
      construct = lambda do |cls, args, kw, blk|
        obj = cls.allocate
        obj.__send__(:initialize, *args, **kw, &blk)
        obj
      end
      klass.define_singleton_method(:new) { |*args, **kw, &blk| construct.call(self, args, kw, blk) }
      klass.define_singleton_method(:[]) { |*args, **kw, &blk| construct.call(self, args, kw, blk) }
      klass.class_eval(&block) if block
      klass
    end

    def keyword_init?
      c = self
      while c && c != Struct
        return c.instance_variable_get(:@__kobako_keyword_init) if c.instance_variable_defined?(:@__kobako_keyword_init)
        c = c.superclass
      end
      nil
    end
  end

  alias __kobako_positional_init initialize

  def initialize(*args, **kw)
    mode = self.class.keyword_init?
    if mode == true && !args.empty?
      raise ArgumentError, "wrong number of arguments (given #{args.size}, expected 0)"
    end
    return __kobako_positional_init(*args) if kw.empty?
    return __kobako_positional_init(*args, kw) if mode == false || (mode.nil? && !args.empty?)
    raise ArgumentError, "wrong number of arguments (given #{args.size}, expected 0)" unless args.empty?
    unknown = kw.keys.reject { |k| members.include?(k.to_sym) }
    raise ArgumentError, "unknown keywords: #{unknown.join(', ')}" unless unknown.empty?
    __kobako_positional_init
    kw.each { |k, v| self[k.to_sym] = v }
  end

  def deconstruct
    to_a
  end

  def deconstruct_keys(keys)
    return to_h if keys.nil?
    raise TypeError, "wrong argument type #{keys.class} (expected Array or nil)" unless keys.is_a?(Array)
    h = {}
    return h if keys.size > members.size
    keys.each do |k|
      name = k.is_a?(Integer) ? members[k] : k
      break unless name.is_a?(Symbol) && members.include?(name)
      h[k] = self[name]
    end
    h
  end
end

module Kernel
  alias __kobako_rand rand

  def rand(max = 0)
    return __kobako_rand(max) unless max.is_a?(Range)
    Random.__kobako_rand_range(max) { |n| __kobako_rand(n) }
  end
  module_function :rand
end

class Random
  class << self
    alias __kobako_rand rand

    def rand(max = 0)
      return __kobako_rand(max) unless max.is_a?(Range)
      r = __kobako_rand_range(max) { |n| __kobako_rand(n) }
      raise ArgumentError, "invalid argument - #{max.inspect}" if r.nil?
      r
    end

    # A value in the Range from a generator that answers [0, n) for an Integer n and
    # [0.0, 1.0) for 0.
    def __kobako_rand_range(range)
      b = range.begin
      e = range.end
      raise ArgumentError, "invalid argument - #{range.inspect}" if b.nil? || e.nil?
      if b.is_a?(Integer) && e.is_a?(Integer)
        span = e - b + (range.exclude_end? ? 0 : 1)
        return nil if span <= 0
        b + yield(span)
      else
        b = b.to_f
        e = e.to_f
        return nil if e < b || (range.exclude_end? && e == b)
        b + yield(0) * (e - b)
      end
    end
  end

  alias __kobako_rand rand

  def rand(max = 0)
    return __kobako_rand(max) unless max.is_a?(Range)
    r = Random.__kobako_rand_range(max) { |n| __kobako_rand(n) }
    raise ArgumentError, "invalid argument - #{max.inspect}" if r.nil?
    r
  end
end

class Method
  # CRuby's arity for a method written in Ruby: a required keyword counts as one more
  # required argument (mruby left it out). Methods in C keep the arity they declare.
  alias __kobako_arity arity

  def arity
    params = parameters
    return __kobako_arity if params == [[:rest]] || params.empty?
    kinds = params.map(&:first)
    req = kinds.count(:req)
    keyreq = kinds.include?(:keyreq)
    min = req + (keyreq ? 1 : 0)
    unlimited = kinds.include?(:rest) || (!keyreq && (kinds.include?(:key) || kinds.include?(:keyrest)))
    max = req + kinds.count(:opt) + (keyreq ? 1 : 0)
    !unlimited && min == max ? min : -min - 1
  end
end
