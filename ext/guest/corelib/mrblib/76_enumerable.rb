# Enumerable, Enumerator and Enumerator::Lazy methods CRuby has and mruby 3.3 lacks.
module Enumerable
  def chunk(&block)
    return enum_for(:chunk) unless block
    source = self
    Enumerator.new do |y|
      key = nil
      run = nil
      source.each_entry do |v|
        k = block.call(v)
        if k.nil? || k == :_separator
          y << [key, run] if run
          run = nil
        elsif k == :_alone
          y << [key, run] if run
          y << [:_alone, [v]]
          run = nil
        elsif k.is_a?(Symbol) && k.to_s.start_with?("_")
          raise RuntimeError, "symbols beginning with an underscore are reserved"
        elsif run && key == k
          run << v
        else
          y << [key, run] if run
          key = k
          run = [v]
        end
      end
      y << [key, run] if run
    end
  end

  def slice_before(*args, &block)
    __kobako_slicer(:slice_before, args, block) do |source, test, y|
      run = nil
      source.each_entry do |v|
        if run && test.call(v)
          y << run
          run = nil
        end
        (run ||= []) << v
      end
      y << run if run
    end
  end

  def slice_after(*args, &block)
    __kobako_slicer(:slice_after, args, block) do |source, test, y|
      run = nil
      source.each_entry do |v|
        (run ||= []) << v
        if test.call(v)
          y << run
          run = nil
        end
      end
      y << run if run
    end
  end

  def __kobako_slicer(name, args, block)
    if block
      raise ArgumentError, "wrong number of arguments (given #{args.size}, expected 0)" unless args.empty?
      test = block
    else
      raise ArgumentError, "wrong number of arguments (given #{args.size}, expected 1)" unless args.size == 1
      pattern = args[0]
      test = ->(v) { pattern === v }
    end
    source = self
    Enumerator.new { |y| yield source, test, y }
  end

  def compact
    to_a.compact
  end

  def to_set(klass = Set, *args, &block)
    klass.new(self, *args, &block)
  end
end

class Enumerator
  # Enumerator.product(*enums): the Cartesian product, the first enumerable outermost.
  def self.product(*enums, **kwargs, &block)
    raise ArgumentError, "unknown keywords: #{kwargs.keys.map(&:inspect).join(', ')}" unless kwargs.empty?
    enums.each do |e|
      raise TypeError, "wrong argument type #{e.class} (must respond to :each_entry)" unless e.respond_to?(:each_entry)
    end
    product = Enumerator.new do |y|
      walk = lambda do |depth, acc|
        if depth == enums.size
          y.yield(acc.dup)
        else
          enums[depth].each_entry { |v| walk.call(depth + 1, acc + [v]) }
        end
      end
      walk.call(0, [])
    end
    return product unless block
    product.each(&block)
    nil
  end

  class Lazy
    alias filter select

    def lazy = self

    def eager
      source = self
      Enumerator.new { |y| source.each { |v| y << v } }
    end

    def filter_map(&block)
      Lazy.new(self) do |yielder, val|
        r = block.call(val)
        yielder << r if r
      end
    end

    def compact
      Lazy.new(self) { |yielder, val| yielder << val unless val.nil? }
    end

    def grep_v(pattern, &block)
      Lazy.new(self) do |yielder, val|
        next if pattern === val
        yielder << (block ? block.call(val) : val)
      end
    end

    def with_index(offset = 0, &block)
      index = offset.nil? ? 0 : __kobako_int_arg(offset)
      Lazy.new(self) do |yielder, val|
        if block
          block.call(val, index)
          yielder << val
        else
          yielder << [val, index]
        end
        index += 1
      end
    end

    %i[chunk chunk_while slice_after slice_before slice_when].each do |name|
      define_method(name) do |*args, &block|
        Enumerable.instance_method(name).bind(self).call(*args, &block).lazy
      end
    end
  end
end
