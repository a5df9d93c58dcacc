# SecureRandom (require "securerandom"), hermetic like rand: it draws from the sandbox's
# fixed-seed generator, so a script sees the same values in every invocation.
module SecureRandom
  ALPHANUMERIC = [*"A".."Z", *"a".."z", *"0".."9"].freeze

  extend self

  def random_bytes(n = nil) = Array.new(n || 16) { Random.rand(256) }.pack("C*")
  def hex(n = nil) = random_bytes(n).unpack1("H*")
  def base64(n = nil) = [random_bytes(n)].pack("m0")

  def urlsafe_base64(n = nil, padding = false)
    s = base64(n).tr("+/", "-_")
    padding ? s : s.delete("=")
  end

  def uuid
    b = random_bytes(16).bytes
    b[6] = (b[6] & 0x0f) | 0x40
    b[8] = (b[8] & 0x3f) | 0x80
    h = b.pack("C*").unpack1("H*")
    "#{h[0, 8]}-#{h[8, 4]}-#{h[12, 4]}-#{h[16, 4]}-#{h[20, 12]}"
  end

  def random_number(n = 0)
    case n
    when Range then rand(n)
    when Float then n.positive? ? Random.rand * n : Random.rand
    else n.to_i.positive? ? Random.rand(n.to_i) : Random.rand
    end
  end
  alias rand random_number

  def alphanumeric(n = nil, chars: ALPHANUMERIC) = Array.new(n || 16) { chars[Random.rand(chars.size)] }.join
end
