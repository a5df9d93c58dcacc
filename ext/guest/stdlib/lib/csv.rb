# CSV as CRuby's csv library has it for in-memory data (require "csv"): parse, parse_line,
# generate, generate_line, rows with headers (CSV::Row, CSV::Table), RFC 4180 quoting and
# embedded newlines, col_sep/row_sep/quote_char, converters and header converters. Files
# (CSV.read, CSV.foreach, CSV.open) are not available in the sandbox.
class CSV
  include Enumerable

  class MalformedCSVError < RuntimeError
    attr_reader :line_number

    def initialize(message, line_number)
      @line_number = line_number
      super("#{message} in line #{line_number}.")
    end
  end

  DEFAULT_OPTIONS = {
    col_sep: ",", row_sep: :auto, quote_char: '"', headers: false, return_headers: false,
    converters: nil, header_converters: nil, skip_blanks: false, force_quotes: false, quote_empty: true,
    strip: false, liberal_parsing: false, write_headers: nil
  }.freeze

  Converters = {
    integer: ->(f) { f.is_a?(String) && f.match?(/\A\s*[-+]?\d+\s*\z/) ? f.to_i : f },
    float: ->(f) { f.is_a?(String) && f.match?(/\A\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*\z/) ? f.to_f : f },
    numeric: ->(f) { Converters[:float].call(Converters[:integer].call(f)) },
    all: ->(f) { Converters[:numeric].call(f) }
  }.freeze

  HeaderConverters = {
    downcase: ->(h) { h.downcase },
    symbol: ->(h) { h.downcase.gsub(/[^\s\w]+/, "").strip.gsub(/\s+/, "_").to_sym }
  }.freeze

  # One row, with its headers when the CSV has them.
  class Row
    include Enumerable

    attr_reader :headers

    def initialize(headers, fields, header_row = false)
      @headers = headers
      @fields = fields
      @header_row = header_row
    end

    def header_row? = @header_row
    def field_row? = !@header_row
    def fields(*names) = names.empty? ? @fields.dup : names.map { |n| field(n) }
    alias values_at fields

    def field(name, offset = 0)
      return @fields[name] if name.is_a?(Integer)

      index = @headers.each_index.select { |i| @headers[i] == name }[offset]
      index && @fields[index]
    end
    alias [] field

    def fetch(name, *default)
      return field(name) if @headers.include?(name)
      return yield(name) if block_given?
      return default.first unless default.empty?

      raise KeyError, "key not found: #{name}"
    end

    def []=(name, value)
      if name.is_a?(Integer)
        @fields[name] = value
      elsif (i = @headers.index(name))
        @fields[i] = value
      else
        @headers << name
        @fields << value
      end
    end

    def <<(arg)
      if arg.is_a?(Array) && arg.size == 2
        @headers << arg[0]
        @fields << arg[1]
      else
        @headers << nil
        @fields << arg
      end
      self
    end

    def has_key?(name) = @headers.include?(name)
    alias header? has_key?
    alias include? has_key?
    alias key? has_key?
    alias member? has_key?

    def each(&block)
      return to_enum(:each) unless block

      @headers.each_with_index { |h, i| block.call([h, @fields[i]]) }
      self
    end
    alias each_pair each

    def to_h
      h = {}
      @headers.each_with_index { |k, i| h[k] = @fields[i] unless h.key?(k) }
      h
    end
    alias to_hash to_h

    def delete(name) = (i = name.is_a?(Integer) ? name : @headers.index(name)) && [@headers.delete_at(i), @fields.delete_at(i)]
    def size = @fields.size
    alias length size
    def to_a = @headers.zip(@fields)
    def dig(index, *rest) = rest.empty? ? field(index) : field(index)&.dig(*rest)
    def ==(other) = other.is_a?(Row) ? to_a == other.to_a : @fields == other
    def to_csv(**options) = CSV.generate_line(@fields, **options)
    alias to_s to_csv
    def inspect = "#<CSV::Row #{@headers.zip(@fields).map { |h, f| "#{h}:#{f.inspect}" }.join(' ')}>"
  end

  # Rows that share headers.
  class Table
    include Enumerable

    def initialize(rows, headers: nil)
      @rows = rows
      @headers = headers
    end

    def headers = @headers || (@rows.first ? @rows.first.headers : [])
    def each(&block) = block ? (@rows.each(&block) && self) : @rows.each
    def size = @rows.size
    alias length size
    def empty? = @rows.empty?

    def [](index)
      index.is_a?(Integer) || index.is_a?(Range) ? @rows[index] : @rows.map { |r| r[index] }
    end

    def values_at(*indexes) = @rows.values_at(*indexes)
    def <<(row) = (@rows << (row.is_a?(Row) ? row : Row.new(headers, row))) && self
    def push(*rows) = rows.each { |r| self << r } && self
    def delete(index) = index.is_a?(Integer) ? @rows.delete_at(index) : @rows.map { |r| r.delete(index)&.last }
    def by_col = self
    def by_row = self
    def to_a = [headers] + @rows.map(&:fields)
    def ==(other) = other.is_a?(Table) ? to_a == other.to_a : @rows == other
    def dig(index, *rest) = rest.empty? ? self[index] : self[index]&.dig(*rest)

    def to_csv(write_headers: true, **options)
      lines = @rows.map { |r| r.to_csv(**options) }
      lines.unshift(CSV.generate_line(headers, **options)) if write_headers
      lines.join
    end
    alias to_s to_csv

    def inspect = "#<CSV::Table mode:col_or_row row_count:#{@rows.size + 1}>"
  end

  class << self
    def parse(str, **options, &block)
      csv = new(str, **options)
      return csv.each(&block) && nil if block

      csv.read
    end

    def parse_line(line, **options) = new(line, **options).shift

    def generate(str = +"", **options)
      csv = new(str.dup, **options)
      yield csv
      csv.string
    end

    def generate_line(row, **options)
      csv = new(+"", **options)
      csv << row
      csv.string
    end

    def generate_lines(rows, **options) = rows.map { |r| generate_line(r, **options) }.join

    def instance(data = +"", **options) = new(data, **options)

    %i[read readlines foreach open table].each do |name|
      define_method(name) { |*_args, **_opts| raise NotImplementedError, "CSV.#{name} reads a file, and the sandbox has no files" }
    end
  end

  attr_reader :string, :headers

  def initialize(data = +"", **options)
    unknown = options.keys - DEFAULT_OPTIONS.keys
    raise ArgumentError, "unknown keyword#{'s' if unknown.size > 1}: #{unknown.map(&:inspect).join(', ')}" unless unknown.empty?

    @options = DEFAULT_OPTIONS.merge(options)
    @string = data.is_a?(String) ? data : data.read.to_s
    @col_sep = @options[:col_sep]
    @quote = @options[:quote_char]
    @pos = 0
    @lineno = 0
    @headers = @options[:headers].is_a?(Array) ? @options[:headers].dup : nil
    @headers = CSV.parse_line(@options[:headers], col_sep: @col_sep) if @options[:headers].is_a?(String)
    @wrote_headers = false
  end

  def lineno = @lineno

  def row_sep
    sep = @options[:row_sep]
    return sep unless sep == :auto

    @row_sep ||= if (i = @string.index(/\r\n|\n|\r/)) then @string[i] == "\r" && @string[i + 1] == "\n" ? "\r\n" : @string[i]
                 else "\n"
                 end
  end

  # The next row (an Array, or a CSV::Row with headers), or nil at the end.
  def shift
    loop do
      fields = __read_fields
      return nil if fields.nil?
      next if fields.empty? && @options[:skip_blanks]

      if @options[:headers] && @headers.nil?
        @headers = fields.map { |h| __convert_header(h) }
        next unless @options[:return_headers]

        return Row.new(@headers, fields, true)
      end
      fields = fields.each_with_index.map { |f, i| __convert(f, i) }
      return @headers ? Row.new(@headers, fields) : fields
    end
  end
  alias gets shift
  alias readline shift

  def each(&block)
    return to_enum(:each) unless block

    while (row = shift)
      block.call(row)
    end
    self
  end

  def read
    rows = to_a
    @options[:headers] ? Table.new(rows, headers: @headers || []) : rows
  end
  alias readlines read

  def <<(row)
    fields = row.is_a?(Row) ? row.fields : row.to_a
    fields = row.is_a?(Hash) ? @headers.map { |h| row[h] } : fields
    if @headers && !@wrote_headers && @options[:write_headers]
      @wrote_headers = true
      @string << __line(@headers)
    end
    @string << __line(fields)
    @lineno += 1
    self
  end
  alias add_row <<
  alias puts <<

  def to_s = @string

  def __line(fields)
    sep = @options[:row_sep] == :auto ? "\n" : @options[:row_sep]
    fields.map { |f| __quote(f) }.join(@col_sep) + sep
  end

  def __quote(field)
    return "" if field.nil?

    s = field.is_a?(String) ? field : field.to_s
    needs = @options[:force_quotes] || (s.empty? && @options[:quote_empty] && field.is_a?(String)) ||
            s.include?(@col_sep) || s.include?(@quote) || s.include?("\n") || s.include?("\r")
    needs ? "#{@quote}#{s.gsub(@quote, @quote * 2)}#{@quote}" : s
  end

  def __convert(field, index)
    field = field.strip if @options[:strip] && field.is_a?(String)
    converters = Array(@options[:converters])
    return field if converters.empty? || field.nil?

    converters.each do |c|
      fn = c.is_a?(Proc) ? c : Converters.fetch(c.to_sym) { raise ArgumentError, "unknown converter name: #{c.inspect}" }
      field = fn.arity == 1 ? fn.call(field) : fn.call(field, index)
      break unless field.is_a?(String)
    end
    field
  end

  def __convert_header(header)
    converters = Array(@options[:header_converters])
    converters.reduce(header) do |h, c|
      next h if h.nil?

      fn = c.is_a?(Proc) ? c : HeaderConverters.fetch(c.to_sym) { raise ArgumentError, "unknown converter name: #{c.inspect}" }
      fn.call(h)
    end
  end

  # The fields of the next record (RFC 4180: quoted fields may hold separators, doubled
  # quotes and line breaks), or nil at the end of the data.
  def __read_fields
    s = @string
    return nil if @pos >= s.size

    sep = row_sep
    fields = []
    field = nil
    quoted = false
    @lineno += 1
    start_line = @lineno
    i = @pos
    n = s.size
    loop do
      if i >= n
        fields << field unless field.nil? && fields.empty? && !quoted && i == @pos
        @pos = i
        return fields
      end
      c = s[i]
      if c == @quote && (field.nil? || field.empty?) && !quoted
        quoted = true
        field = +""
        i += 1
        loop do
          raise MalformedCSVError.new("Unclosed quoted field", start_line) if i >= n

          q = s[i]
          if q == @quote
            if s[i + 1] == @quote
              field << @quote
              i += 2
            else
              i += 1
              break
            end
          else
            @lineno += 1 if q == "\n"
            field << q
            i += 1
          end
        end
        nxt = s[i]
        unless i >= n || s[i, @col_sep.size] == @col_sep || s[i, sep.size] == sep
          raise MalformedCSVError.new("Any value after quoted field isn't allowed", start_line) unless nxt == "\r" && sep == "\n"
        end
      elsif s[i, @col_sep.size] == @col_sep
        fields << field
        field = nil
        quoted = false
        i += @col_sep.size
      elsif s[i, sep.size] == sep
        fields << field unless field.nil? && fields.empty? && !quoted
        @pos = i + sep.size
        return fields
      else
        raise MalformedCSVError.new("Illegal quoting", start_line) if c == @quote && !@options[:liberal_parsing]

        field = +"" if field.nil?
        field << c
        i += 1
      end
    end
  end
end

class Array
  def to_csv(**options) = CSV.generate_line(self, **options)
end

class String
  def parse_csv(**options) = CSV.parse_line(self, **options)
end
