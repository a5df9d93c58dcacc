# String methods CRuby has and mruby 3.3 lacks.
class String
  def each_line(separator = "\n", chomp: false, &block)
    return __kobako_lines(separator, chomp).each unless block
    __kobako_lines(separator, chomp).each(&block)
    self
  end

  def lines(separator = "\n", chomp: false, &block)
    return each_line(separator, chomp: chomp, &block) if block
    __kobako_lines(separator, chomp)
  end

  # Splits by byte offsets (byteindex/byteslice), so long strings stay linear.
  def __kobako_lines(separator, chomp)
    return [] if empty?
    return [dup] if separator.nil?
    raise TypeError, "no implicit conversion of #{separator.class} into String" unless separator.is_a?(String)
    paragraph = separator.empty?
    sep = paragraph ? "\n\n" : separator
    out = []
    pos = 0
    len = bytesize
    while pos < len
      at = byteindex(sep, pos)
      if at.nil?
        out << byteslice(pos, len - pos)
        break
      end
      stop = at + sep.bytesize
      line = byteslice(pos, stop - pos)
      # paragraph mode: a paragraph keeps two newlines; the rest of the run is skipped
      stop += 1 while paragraph && stop < len && getbyte(stop) == 10
      if chomp
        line = if paragraph
                 line.byteslice(0, at - pos)
               elsif sep == "\n" && at > pos && getbyte(at - 1) == 13
                 byteslice(pos, at - 1 - pos)
               else
                 byteslice(pos, at - pos)
               end
      end
      out << line
      pos = stop
    end
    if chomp && !paragraph && sep == "\n" && !out.empty?
      # a trailing "\r" without "\n" stays; nothing else to do
    end
    out
  end

  def ascii_only?
    each_byte { |b| return false if b > 127 }
    true
  end

  # The guest has one encoding (UTF-8); `b` gives an unfrozen copy of the bytes.
  def b
    dup
  end

  def sum(bits = 16)
    total = 0
    each_byte { |b| total += b }
    bits > 0 ? total & ((1 << bits) - 1) : total
  end
end
