# Base64 as CRuby's base64 library has it (require "base64").
module Base64
  extend self

  def encode64(bin) = [bin.to_s].pack("m")
  def decode64(str) = str.to_s.unpack1("m")

  def strict_encode64(bin) = [bin.to_s].pack("m0")

  def strict_decode64(str)
    str = str.to_s
    unless str.match?(%r{\A(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\z})
      raise ArgumentError, "invalid base64"
    end

    str.unpack1("m0")
  end

  def urlsafe_encode64(bin, padding: true)
    str = strict_encode64(bin).tr("+/", "-_")
    padding ? str : str.delete("=")
  end

  def urlsafe_decode64(str)
    str = str.to_s
    if !str.end_with?("=") && (str.size % 4).nonzero?
      str = str.ljust((str.size + 3) & ~3, "=")
    end
    strict_decode64(str.tr("-_", "+/"))
  end
end
