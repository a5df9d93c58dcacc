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
  def self.__kobako_missing(name, recv, args, vcall, main, locals = [])
    desc = __kobako_describe(recv, main)
    e = if vcall
          NameError.new("undefined local variable or method `#{name}' for #{desc}", name)
        else
          NoMethodError.new("undefined method `#{name}' for #{desc}", name, args)
        end
    e.instance_variable_set(:@receiver, recv)
    e.instance_variable_set(:@__kobako_private, vcall || args.nil?)
    e.instance_variable_set(:@__kobako_locals, locals)
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
      list += @__kobako_locals.reject { |v| v.to_s.start_with?("~") } if @__kobako_locals
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

# Suggestions by edit distance: the closest candidates within a quarter of the name's
# length (at least one edit), at most three.
module DidYouMean
  # Edits between two names, a swap of neighbours counting as one ("frist" -> "first").
  def self.distance(a, b)
    a = a.chars
    b = b.chars
    rows = [(0..b.size).to_a]
    a.each_with_index do |ca, i|
      row = [i + 1]
      b.each_with_index do |cb, j|
        d = [row[j] + 1, rows[i][j + 1] + 1, rows[i][j] + (ca == cb ? 0 : 1)].min
        d = [d, rows[i - 1][j - 1] + 1].min if i > 0 && j > 0 && ca == b[j - 1] && a[i - 1] == cb
        row << d
      end
      rows << row
    end
    rows[a.size][b.size]
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
    return [] if scored.empty?
    # the closest ones; among equals, those that start like the name (a typo rarely
    # changes the first letter)
    best = scored.map(&:first).min
    closest = scored.select { |pair| pair[0] == best }.map { |pair| pair[1] }
    same_start = closest.select { |c| c[0].downcase == name[0].downcase }
    (same_start.empty? ? closest : same_start).sort.first(3)
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
