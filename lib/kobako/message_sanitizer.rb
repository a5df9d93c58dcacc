module Kobako
  # Removes host-only detail from text about to cross to the script: inspections of host
  # objects (`#<HiddenVault:0x... @key="...">`), memory addresses, unexposed class names in
  # Ruby's own message formats, and absolute paths. What remains is the message the Service
  # meant to give; what it says in its own words is its author's responsibility.
  module MessageSanitizer
    # Class names a script may see in messages: core classes the guest has too.
    CORE_NAMES = Set.new(%w[
      BasicObject Object Module Class NilClass TrueClass FalseClass Integer Float Numeric
      Rational Complex String Symbol Array Hash Range Struct Proc Method Time Comparable
      Enumerable Kernel Exception StandardError
    ]).freeze

    NAME = /[A-Z][A-Za-z0-9_]*(?:::[A-Z][A-Za-z0-9_]*)*/
    # Ruby 3.3's "undefined method 'x' for an instance of Foo".
    INSTANCE_OF = /\b(an? instance of) (#{NAME})/
    # Ruby 3.1's "undefined method `x' for Foo:Class".
    CLASS_RECEIVER = /\b(#{NAME}):(Class|Module)\b/
    ADDRESS = /0x\h{6,}/
    PATH = %r{(?<![\w/.~-])(?:~|\.{1,2})?/(?:[^\s'"`<>()\[\]{},;:/]+/?)+}

    module_function

    # `text` with host detail removed; `exposed` holds the class names the script may see.
    def clean(text, exposed = Set.new)
      allowed = ->(name) { CORE_NAMES.include?(name) || exposed.include?(name) }
      text = replace_inspections(text, allowed)
      text = text.gsub(INSTANCE_OF) { allowed.call(Regexp.last_match(2)) ? Regexp.last_match(0) : "an object" }
      text = text.gsub(CLASS_RECEIVER) do
        allowed.call(Regexp.last_match(1)) ? Regexp.last_match(0) : "a #{Regexp.last_match(2).downcase}"
      end
      text.gsub(ADDRESS, "0x...").gsub(PATH, "(path)")
    end

    # Every `#<...>` (balanced, quotes respected) becomes `#<Name>` when Name may be seen,
    # else `#<object>`.
    def replace_inspections(text, allowed)
      return text unless text.include?("#<")

      out = +""
      i = 0
      while (start = text.index("#<", i))
        out << text[i...start]
        finish = inspection_end(text, start + 2)
        inner = text[(start + 2)...finish]
        name = inner[/\A(?:struct )?(#{NAME})/o, 1]
        out << (name && allowed.call(name) ? "#<#{name}>" : "#<object>")
        i = finish + 1
      end
      out << text[i..] if i < text.length
      out
    end

    # The index of the `>` closing an inspection whose body starts at `pos` (or the end).
    def inspection_end(text, pos)
      depth = 1
      quote = nil
      while pos < text.length
        c = text[pos]
        if quote
          pos += 1 if c == "\\"
          quote = nil if c == quote
        elsif c == '"' || c == "'"
          quote = c
        elsif c == "<" && text[pos - 1] == "#"
          depth += 1
        elsif c == ">"
          depth -= 1
          return pos if depth.zero?
        end
        pos += 1
      end
      text.length
    end
  end
end
