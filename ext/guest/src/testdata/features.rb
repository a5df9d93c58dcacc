# Broad coverage of the instruction set for the RITE verifier.
module Shapes
  VERSION = "1.0"
  class Base
    attr_reader :name
    @@count = 0
    def initialize(name, *rest, scale: 1, **opts, &blk)
      @name = name
      @rest = rest
      @scale = scale
      @opts = opts
      @@count += 1
      $last_shape = self
      blk&.call(self)
    end

    def area(a = 1, b = a * 2, *more, c, d:, e: 5)
      a * b + c + d + e + more.size
    end

    def each_side
      return to_enum(:each_side) unless block_given?
      [1, 2, 3].each { |s| yield s, name: @name }
    end

    def self.count = @@count
  end

  class Square < Base
    def initialize(side, **kw)
      super
      @side = side
    end

    def area(*args, **kw)
      [1].map { super }.first
    end

    def walk(&blk)
      [1, 2].each do |x|
        yield x
      end
    end

    class << self
      def unit = new(1)
    end
  end
end

def kw_only(a:, b: 2, **rest) = [a, b, rest]
def splats(*a, **k, &b) = [a, k, b&.call]
def post(a, *m, z) = [a, m, z]
def opt(a, b = 10, c = b + 1) = a + b + c

alias kw_alias kw_only
class Object; undef_method :kw_alias rescue nil; end

big = 123456789012345678901234567890
neg_big = -98765432109876543210987654321
hex_big = 0xffffffffffffffffffffffff
int64 = 3_000_000_000
small = -7
float = 1.5e3
str = "héllo #{big} and #{float}"
sym = :"dyn#{small}"
rng = (1..10)
xrng = (1...small)
hash = { "a" => 1, b: 2.5, c: [1, 2], **{ d: 4 } }
arr = [*rng, *[1, 2], 3]
a, (b, c), *d, e = 1, [2, 3], 4, 5, 6
arr[0] += 1
arr[1] ||= 2
hash[:b] &&= 3

counter = 0
adder = ->(x, y = 1) { counter += x + y }
[1, 2, 3].each { |x| adder.(x) }
proc_obj = proc { |p1, (p2, p3), *p4| [p1, p2, p3, p4] }
proc_obj.call(1, [2, 3], 4)

word = case counter
       when 0 then :zero
       when 1..9, 100 then :small
       when Integer then :int
       else :other
       end

i = 0
total = 0
while i < 100
  i += 1
  next if i == 2
  break if i > 50
  total += i
end
until i == 0
  i -= 1
end
begin
  i += 1
end while i < 3

tries = 0
begin
  tries += 1
  raise ArgumentError, "boom" if tries < 3
  Integer("zz")
rescue ArgumentError, TypeError => err
  retry if tries < 3
  msg = err.message
rescue => other
  msg = other
else
  msg = :none
ensure
  total += 1
end

def ensure_return
  [1, 2].each do |x|
    begin
      return x if x == 2
    ensure
      $ens = x
    end
  end
  :unreachable
end

def loop_break
  loop do |x|
    break 42
  end
end

def redo_once
  done = false
  [1].each do |x|
    unless done
      done = true
      redo
    end
  end
end

catch(:tag) { throw :tag, 1 }
x = nil
y = x&.length
z = (x || 5) && !x
s = Shapes::Square.new(3, color: :red)
s.area(1, 2, d: 3) rescue nil
s.each_side { |n, name:| n }
sq = Shapes::Square.unit
r = [kw_only(a: 1), splats(1, 2, k: 3) { 4 }, post(1, 2, 3, 4), opt(1)]
obj = Object.new
def obj.single = :singleton
Shapes::Base.count
str2 = <<~TEXT
  heredoc #{i}
TEXT
$glob = [str, sym, rng, xrng, hash, arr, a, b, c, d, e, word, total, msg, y, z, r, big, neg_big, hex_big, int64, small, str2]
__method__
defined?(foo)
