module Kobako
  # Removes host-only detail from text about to cross to the script: inspections of host
  # objects (`#<HiddenVault:0x... @key="...">`), memory addresses, unexposed class names in
  # Ruby's own message formats, and absolute paths. It is the second line of defence: only
  # messages the app wrote reach it (ServiceErrors decides which), and what those say in
  # their own words is their author's responsibility.
  #
  # Every step runs in time linear in the text: each scan moves forward past what it
  # matched and never tries the same start again (a message of 128 KB takes milliseconds).
  module MessageSanitizer
    # Class names a script may see in messages: core classes the guest has too.
    CORE_NAMES = Set.new(%w[
      BasicObject Object Module Class NilClass TrueClass FalseClass Integer Float Numeric
      Rational Complex String Symbol Array Hash Range Struct Proc Method Time Comparable
      Enumerable Kernel Exception StandardError
    ]).freeze

    # A constant path. Atomic, so a failed match after it never backtracks into it.
    NAME = /(?>[A-Z][A-Za-z0-9_]*(?:::[A-Z][A-Za-z0-9_]*)*)/
    # Ruby 3.3's "undefined method 'x' for an instance of Foo".
    INSTANCE_OF = /\b(an? instance of) (#{NAME})/
    # Ruby 3.1's "undefined method `x' for Foo:Class": a whole constant path, then the
    # suffix if it is there. Matching the path even without the suffix moves the scan past
    # it, so "A::B::C::..." is read once, not once per position.
    RECEIVER_OR_NAME = /(?<![A-Za-z0-9_])#{NAME}(?::(Class|Module)\b)?/
    ADDRESS = /0x\h{6,}/
    PATH = %r{(?<![\w/.~-])(?:~|\.{1,2})?/(?:[^\s'"`<>()\[\]{},;:/]+/?)+}
    INSPECTION_NAME = /\A(?:struct )?(#{NAME})/

    module_function

    # `text` with host detail removed; `exposed` holds the class names the script may see.
    def clean(text, exposed = Set.new)
      allowed = ->(name) { CORE_NAMES.include?(name) || exposed.include?(name) }
      text = replace_inspections(text, allowed)
      text = text.gsub(INSTANCE_OF) { allowed.call(Regexp.last_match(2)) ? Regexp.last_match(0) : "an object" }
      text = text.gsub(RECEIVER_OR_NAME) do
        match = Regexp.last_match
        next match[0] unless match[1] # a name without the receiver suffix stays as it is

        name = match[0].delete_suffix(":#{match[1]}")
        allowed.call(name) ? match[0] : "a #{match[1].downcase}"
      end
      text.gsub(ADDRESS, "0x...").gsub(PATH, "(path)")
    end

    # Every `#<...>` (balanced, quotes respected) becomes `#<Name>` when Name may be seen,
    # else `#<object>`. Scans bytes (the delimiters are ASCII), so multibyte text costs no
    # character counting.
    def replace_inspections(text, allowed)
      return text unless text.include?("#<")

      bytes = text.b
      out = +""
      i = 0
      while (start = bytes.index("#<", i))
        out << bytes.byteslice(i, start - i)
        finish = inspection_end(bytes, start + 2)
        inner = bytes.byteslice(start + 2, finish - start - 2).force_encoding(text.encoding)
        name = inner.valid_encoding? ? inner[INSPECTION_NAME, 1] : nil
        out << (name && allowed.call(name) ? "#<#{name}>" : "#<object>")
        i = finish + 1
      end
      out << bytes.byteslice(i, bytes.bytesize - i) if i < bytes.bytesize
      out.force_encoding(text.encoding)
    end

    HASH = "#".ord
    LT = "<".ord
    GT = ">".ord
    BACKSLASH = "\\".ord
    QUOTES = ['"'.ord, "'".ord].freeze

    # The byte index of the `>` closing an inspection whose body starts at `pos` (or the
    # end of the text).
    def inspection_end(bytes, pos)
      depth = 1
      quote = nil
      size = bytes.bytesize
      while pos < size
        c = bytes.getbyte(pos)
        if quote
          pos += 1 if c == BACKSLASH
          quote = nil if c == quote
        elsif QUOTES.include?(c)
          quote = c
        elsif c == LT && bytes.getbyte(pos - 1) == HASH
          depth += 1
        elsif c == GT
          depth -= 1
          return pos if depth.zero?
        end
        pos += 1
      end
      size
    end
  end
end
