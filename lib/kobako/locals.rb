module Kobako
  # `locals:` of eval/execute: plain values the script reads as local variables
  # (`sandbox.eval("price * qty", locals: { price: BigDecimal("9.99"), qty: 3 })`).
  # They travel as two frames after the slots (names, then values) and the guest compiles
  # the script with those names already declared, as irb does for the locals of earlier
  # lines; the prepared image never changes. The names are part of the compile cache's key,
  # the values are not.
  module Locals
    # A local variable's name as Ruby's parser takes it; keywords and pseudo-variables are
    # not names.
    NAME = /\A[a-z_][A-Za-z0-9_]*\z/
    RESERVED = %w[
      __ENCODING__ __LINE__ __FILE__ BEGIN END alias and begin break case class def defined? do else elsif end
      ensure false for if in module next nil not or redo rescue retry return self super then true undef unless
      until when while yield _1 _2 _3 _4 _5 _6 _7 _8 _9 it
    ].freeze
    MAX = 1024

    module_function

    # [names frame, values frame], or nil when there are no locals. Raises ArgumentError
    # for a bad name and Codec::UnsupportedValue naming the key for a value that cannot
    # cross (Handles are not made here: locals are values).
    def frames(given)
      return nil if given.nil?
      raise TypeError, "locals: must be a Hash of name => value, got #{given.class}" unless Hash === given
      return nil if given.empty?
      raise ArgumentError, "locals: at most #{MAX} names, got #{given.size}" if given.size > MAX

      names = given.keys.map { |key| name_of(key) }
      duplicate = names.tally.find { |_, n| n > 1 }
      raise ArgumentError, "locals: #{duplicate[0].inspect} is given twice" if duplicate

      values = given.values.each_with_index.map do |value, i|
        Codec.encode(value)
      rescue Codec::UnsupportedValue => e
        raise e.class, e.message.sub(/\Avalue/, "locals[:#{names[i]}]")
      end
      [Codec.encode(names), Bindings.frame_of(values)]
    end

    def name_of(key)
      name = case key
             when Symbol then key.name
             when String then key
             else raise TypeError, "locals: names must be Symbols or Strings, got #{key.inspect}"
             end
      unless NAME.match?(name) && !RESERVED.include?(name)
        raise ArgumentError, "locals: #{name.inspect} is not a local variable name (lowercase letter or _ first, " \
                             "then letters, digits and _; not a keyword)"
      end
      name
    end
  end
end
