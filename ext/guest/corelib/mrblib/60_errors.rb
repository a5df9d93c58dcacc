# Standard exception classes CRuby has and mruby's core leaves out (no IO, threads or
# encodings in the guest, but Service errors and scripts still name them).
class IOError < StandardError; end
class EOFError < IOError; end
class EncodingError < StandardError; end
class ThreadError < StandardError; end
class FiberError < StandardError; end unless Object.const_defined?(:FiberError)
class ClosedQueueError < StopIteration; end
class SystemCallError < StandardError; end

# Error messages worded as CRuby 3.3 words them, plus a "Did you mean?" hint that the
# host sees with an unrescued error (a model repairing its script reads it). As in
# CRuby 3.3, #message itself carries no hint; #detailed_message does.
class NameError
  attr_reader :receiver

  def self.__kobako_describe(recv, main)
    if recv.nil? || recv == true || recv == false
      recv.inspect
    elsif main
      "main"
    elsif recv.is_a?(Module)
      "#{recv.is_a?(Class) ? 'class' : 'module'} #{__kobako_module_name(recv)}"
    else
      "an instance of #{__kobako_module_name(recv.class)}"
    end
  end

  # An anonymous class is described without its address (CRuby shows one; here it would
  # be noise a script cannot use).
  def self.__kobako_module_name(mod)
    name = mod.name
    name.nil? ? "an anonymous #{mod.is_a?(Class) ? 'class' : 'module'}" : name
  end

  # Called by the VM (src/class.c, patched) for a method that is not there. `vcall`: a
  # bare name with no receiver and no arguments, which CRuby reports as a NameError.
  def self.__kobako_missing(name, recv, args, vcall, main)
    desc = __kobako_describe(recv, main)
    e = if vcall
          NameError.new("undefined local variable or method `#{name}' for #{desc}", name)
        else
          NoMethodError.new("undefined method `#{name}' for #{desc}", name, args)
        end
    e.instance_variable_set(:@receiver, recv)
    e.instance_variable_set(:@__kobako_private, vcall || args.nil?)
    e
  end

  def __kobako_candidates
    return [] unless @name.is_a?(Symbol)
    if message.start_with?("uninitialized constant")
      Object.constants
    elsif instance_variable_defined?(:@receiver)
      r = @receiver
      list = r.methods
      list += r.private_methods if @__kobako_private
      list
    else
      []
    end
  end

  def __kobako_hint
    DidYouMean.hint(@name.to_s, __kobako_candidates.map(&:to_s))
  rescue StandardError
    ""
  end
end

class KeyError
  def initialize(message = nil, receiver: nil, key: nil)
    super(message)
    @receiver = receiver
    @key = key
    @__kobako_has_key = !key.nil? || !receiver.nil?
  end

  def receiver
    raise ArgumentError, "no receiver is available" unless @__kobako_has_key
    @receiver
  end

  def key
    raise ArgumentError, "no key is available" unless @__kobako_has_key
    @key
  end

  def __kobako_hint
    return "" unless @receiver.is_a?(Hash) && (@key.is_a?(Symbol) || @key.is_a?(String))
    keys = @receiver.keys.select { |k| k.class == @key.class }
    DidYouMean.hint(@key.to_s, keys.map(&:to_s), @key.is_a?(Symbol) ? ":" : '"', @key.is_a?(String) ? '"' : "")
  rescue StandardError
    ""
  end
end

class Exception
  def __kobako_hint
    ""
  end

  def detailed_message(highlight: false, **)
    "#{message} (#{self.class})#{__kobako_hint}"
  end
end

# Suggestions by edit distance, shortest first: the candidates within a quarter of the
# name's length (at least one edit), at most three.
module DidYouMean
  def self.distance(a, b)
    prev = (0..b.size).to_a
    a.each_char.with_index do |ca, i|
      cur = [i + 1]
      b.each_char.with_index do |cb, j|
        cost = ca == cb ? 0 : 1
        cur << [cur[j] + 1, prev[j + 1] + 1, prev[j] + cost].min
      end
      prev = cur
    end
    prev[b.size]
  end

  def self.suggest(name, candidates)
    limit = [(name.size + 3) / 4, 1].max
    scored = []
    candidates.uniq.each do |c|
      next if c == name || c.start_with?("__")
      next if (c.size - name.size).abs > limit
      d = distance(name.downcase, c.downcase)
      scored << [d, c] if d <= limit
    end
    scored.sort.first(3).map { |pair| pair[1] }
  end

  def self.hint(name, candidates, prefix = "", suffix = "")
    found = suggest(name, candidates)
    return "" if found.empty?
    "\nDid you mean?  " + found.map { |c| "#{prefix}#{c}#{suffix}" }.join("\n               ")
  end
end

class Hash
  def fetch(key, *default, &block)
    raise ArgumentError, "wrong number of arguments (given #{default.size + 1}, expected 1..2)" if default.size > 1
    return self[key] if key?(key)
    return block.call(key) if block
    return default[0] unless default.empty?
    raise KeyError.new("key not found: #{key.inspect}", receiver: self, key: key)
  end
end
