# Encoding as far as a guest whose Strings are all UTF-8 can have it: the Encoding
# objects CRuby names most (find, name, names, inspect, ==), String#encoding (always
# UTF-8), force_encoding (checks the name; the bytes and the answer of #encoding do not
# change), and encode/encode! to UTF-8 (invalid:/undef:/replace:, xml:, the newline
# options) or to US-ASCII/ASCII-8BIT (non-ASCII characters are undefined there). Any
# other target raises Encoding::ConverterNotFoundError: the guest has no transcoders.
class Encoding
  class CompatibilityError < EncodingError; end
  class ConverterNotFoundError < EncodingError; end
  class InvalidByteSequenceError < EncodingError; end
  class UndefinedConversionError < EncodingError; end

  attr_reader :name, :names

  def initialize(names, ascii_compatible = true, dummy = false)
    @name = names.first
    @names = names
    @ascii_compatible = ascii_compatible
    @dummy = dummy
  end
  private_class_method :new

  def to_s = @name
  def inspect = "#<Encoding:#{@name}#{@dummy ? ' (dummy)' : ''}>"
  def ascii_compatible? = @ascii_compatible
  def dummy? = @dummy

  LIST = [
    UTF_8 = new(%w[UTF-8 CP65001 locale external filesystem]),
    ASCII_8BIT = new(%w[ASCII-8BIT BINARY]),
    US_ASCII = new(%w[US-ASCII ASCII ANSI_X3.4-1968 646]),
    ISO_8859_1 = new(%w[ISO-8859-1 ISO8859-1]),
    Windows_1252 = new(%w[Windows-1252 CP1252]),
    Shift_JIS = new(%w[Shift_JIS]),
    EUC_JP = new(%w[EUC-JP eucJP]),
    Windows_31J = new(%w[Windows-31J CP932 csWindows31J SJIS PCK]),
    UTF_16BE = new(%w[UTF-16BE UCS-2BE], false),
    UTF_16LE = new(%w[UTF-16LE], false),
    UTF_32BE = new(%w[UTF-32BE UCS-4BE], false),
    UTF_32LE = new(%w[UTF-32LE UCS-4LE], false),
    UTF_16 = new(%w[UTF-16], false, true),
    UTF_32 = new(%w[UTF-32], false, true)
  ].freeze
  BINARY = ASCII_8BIT
  ASCII = US_ASCII

  def self.list = LIST.dup
  def self.name_list = LIST.flat_map(&:names)
  def self.default_external = UTF_8
  def self.default_internal = nil
  def self.locale_charmap = "UTF-8"

  def self.find(name)
    return name if name.is_a?(Encoding)
    text = __kobako_str_arg(name)
    key = text.upcase
    LIST.each { |enc| return enc if enc.names.any? { |n| n.upcase == key } }
    raise ArgumentError, "unknown encoding name - #{text}"
  end

  def self.compatible?(a, b)
    ea = a.is_a?(Encoding) ? a : a.encoding
    eb = b.is_a?(Encoding) ? b : b.encoding
    ea == eb ? ea : nil
  end
end

class String
  def encoding = Encoding::UTF_8

  def force_encoding(encoding)
    Encoding.find(encoding)
    __kobako_check_frozen
    self
  end

  def encode(*encodings, **options)
    raise ArgumentError, "wrong number of arguments (given #{encodings.size}, expected 0..2)" if encodings.size > 2
    target = encodings.empty? ? Encoding::UTF_8 : __kobako_encoding_or_name(encodings[0])
    source = encodings.size == 2 ? __kobako_encoding_or_name(encodings[1]) : Encoding::UTF_8
    unless source == Encoding::UTF_8 && [Encoding::UTF_8, Encoding::US_ASCII, Encoding::ASCII_8BIT].include?(target)
      raise Encoding::ConverterNotFoundError, "code converter not found (#{source} to #{target})"
    end
    out = __kobako_encode_chars(target, options)
    out = out.gsub("\r\n", "\n").gsub("\r", "\n") if options[:universal_newline]
    out = out.gsub("\n", "\r\n") if options[:crlf_newline]
    out = out.gsub("\n", "\r") if options[:cr_newline]
    case options[:xml]
    when nil then out
    when :text then out.gsub(/[&<>]/, "&" => "&amp;", "<" => "&lt;", ">" => "&gt;")
    when :attr then "\"#{out.gsub(/[&<>"]/, '&' => '&amp;', '<' => '&lt;', '>' => '&gt;', '"' => '&quot;')}\""
    else raise ArgumentError, "unexpected value for xml option: #{options[:xml].inspect}"
    end
  end

  def encode!(*encodings, **options)
    __kobako_check_frozen
    replace(encode(*encodings, **options))
  end

  def __kobako_encoding_or_name(name)
    Encoding.find(name)
  rescue ArgumentError
    name.to_s
  end

  # To UTF-8 only invalid bytes can be replaced (and only when invalid: :replace asks);
  # to US-ASCII or ASCII-8BIT a non-ASCII character is undefined.
  def __kobako_encode_chars(target, options)
    replace = options[:replace]
    if target == Encoding::UTF_8
      return dup unless options[:invalid] == :replace
      return scrub(replace.nil? ? "\uFFFD" : replace)
    end
    return dup if ascii_only?
    out = +""
    i = 0
    size = bytesize
    while i < size
      n = __kobako_utf8_at(i)
      if n.negative?
        bad = byteslice(i, -n)
        shown = bad.bytes.map { |b| format("\\x%02X", b) }.join
        raise Encoding::InvalidByteSequenceError, "\"#{shown}\" on UTF-8" unless options[:invalid] == :replace
        out << (replace.nil? ? "?" : replace)
        i -= n
      elsif n == 1
        out << byteslice(i, 1)
        i += 1
      else
        char = byteslice(i, n)
        unless options[:undef] == :replace
          fallback = options[:fallback]
          if fallback && (sub = fallback[char])
            out << sub
            i += n
            next
          end
          raise Encoding::UndefinedConversionError,
                "U+#{char.ord.to_s(16).upcase.rjust(4, '0')} from UTF-8 to #{target}"
        end
        out << (replace.nil? ? "?" : replace)
        i += n
      end
    end
    out
  end
end

class Symbol
  def encoding = to_s.ascii_only? ? Encoding::US_ASCII : Encoding::UTF_8
end

class Regexp
  def encoding = source.ascii_only? ? Encoding::US_ASCII : Encoding::UTF_8
end
