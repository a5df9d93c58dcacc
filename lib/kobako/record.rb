module Kobako
  # An instance of a Struct or Data class the script defined, as it crossed to the host:
  # a frozen value that answers its members by name (`point.x`, `point[:x]`), `to_h`,
  # `members`, `==`, pattern matching (`in {x:, y:}` and `in [x, y]`) and the guest's class
  # name (`guest_class`, e.g. "Point"). The host never defines a class per guest class, so
  # a script cannot make the host create classes or methods; members live in one Hash.
  # Crossing back into the guest it becomes that Struct or Data again when the guest has a
  # class of that name with the same members, else a Hash of its members (docs/values.md).
  class Record
    KINDS = %w[Struct Data].freeze

    attr_reader :guest_class, :kind

    # kind: "Struct" or "Data"; members: Symbols; values: one per member.
    def initialize(kind, guest_class, members, values)
      raise ArgumentError, "kind must be Struct or Data" unless KINDS.include?(kind)
      raise ArgumentError, "members and values differ in number" unless members.size == values.size
      raise ArgumentError, "members must be distinct Symbols" unless members.all?(Symbol) && members.uniq.size == members.size

      @kind = kind.dup.freeze
      @guest_class = guest_class.to_s.dup.freeze
      @fields = members.zip(values).to_h.freeze
      freeze
    end

    def members = @fields.keys
    def values = @fields.values
    alias to_a values
    alias deconstruct values

    def to_h(&block) = block ? @fields.to_h(&block) : @fields.dup

    def [](member)
      key = member.is_a?(Integer) ? members.fetch(member) { raise IndexError, "offset #{member} too large for #{self}" } : member.to_sym
      @fields.fetch(key) { raise NameError, "no member '#{member}' in #{@kind.downcase} #{@guest_class}" }
    end

    def deconstruct_keys(keys)
      keys ? @fields.slice(*keys) : @fields
    end

    # As JSON (and Rails' as_json), the members: {"x": 1, "y": 2}.
    def as_json(*) = @fields.transform_keys(&:to_s)
    def to_json(*args) = as_json.to_json(*args)

    def struct? = @kind == "Struct"
    def data? = @kind == "Data"

    def ==(other)
      other.is_a?(Record) && other.kind == @kind && other.guest_class == @guest_class && other.to_h == @fields
    end

    def eql?(other)
      other.is_a?(Record) && other.kind == @kind && other.guest_class == @guest_class && other.to_h.eql?(@fields)
    end

    def hash = [Record, @kind, @guest_class, @fields].hash

    # As CRuby shows a Struct ("#<struct Point x=1, y=2>") or a Data ("#<data Point x=1>").
    def inspect
      fields = @fields.map { |k, v| "#{k}=#{v.inspect}" }.join(", ")
      name = @guest_class.empty? ? "" : "#{@guest_class} "
      "#<#{@kind.downcase} #{name}#{fields}>".sub(/ >\z/, ">")
    end
    alias to_s inspect

    def respond_to_missing?(name, include_private = false) = @fields.key?(name) || super

    # A member by name; only members are looked up, never a method of the host.
    def method_missing(name, *args)
      return super unless args.empty? && @fields.key?(name)

      @fields[name]
    end
  end
end
