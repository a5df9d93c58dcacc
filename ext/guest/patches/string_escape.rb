# String#inspect and String#dump escape as CRuby does for a UTF-8 String: an ASCII
# control character without a named escape is \u0001 in inspect, an invalid byte is \xFF
# (upper-case hex, mruby wrote \xff), and dump writes a non-ASCII character as \u00E9 or
# \u{1F600} (mruby wrote its UTF-8 bytes as \xc3\xa9).
KobakoMrubyPatches.add_all [
  {
    file: "src/string.c",
    why: "inspect: \\u00XX for an ASCII control character, \\xXX in upper case for a byte",
    from: <<~C,
      \      buf[1] = 'x';
      \      buf[3] = mrb_digitmap[c % 16]; c /= 16;
      \      buf[2] = mrb_digitmap[c % 16];
      \      mrb_str_cat(mrb, result, buf, 4);
    C
    to: <<~C
      \      static const char hexdigits[] = "0123456789ABCDEF"; /* kobako */
      \      if (inspect && c < 0x80) {
      \        char ubuf[6] = { '\\\\', 'u', '0', '0', hexdigits[c >> 4], hexdigits[c & 15] };
      \        mrb_str_cat(mrb, result, ubuf, 6);
      \      }
      \      else {
      \        buf[1] = 'x';
      \        buf[2] = hexdigits[c >> 4];
      \        buf[3] = hexdigits[c & 15];
      \        mrb_str_cat(mrb, result, buf, 4);
      \      }
    C
  },
  {
    file: "src/string.c",
    why: "dump: a non-ASCII character as its \\u escape",
    from: <<~C,
      \    if (inspect) {
      \      mrb_int clen = mrb_utf8len(p, pend);
      \      if (clen > 1) {
      \        mrb_str_cat(mrb, result, p, clen);
      \        p += clen-1;
      \        ascii_flag = 0;
      \        continue;
      \      }
      \    }
    C
    to: <<~C
      \    if (inspect) {
      \      mrb_int clen = mrb_utf8len(p, pend);
      \      if (clen > 1) {
      \        mrb_str_cat(mrb, result, p, clen);
      \        p += clen-1;
      \        ascii_flag = 0;
      \        continue;
      \      }
      \    }
      \    else { /* kobako */
      \      mrb_int clen = mrb_utf8len(p, pend);
      \      if (clen > 1) {
      \        const unsigned char *u = (const unsigned char*)p;
      \        uint32_t cp = clen == 2 ? ((u[0] & 0x1F) << 6) | (u[1] & 0x3F)
      \                    : clen == 3 ? ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F)
      \                    : ((uint32_t)(u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
      \        char ubuf[16];
      \        int n = cp > 0xFFFF ? snprintf(ubuf, sizeof(ubuf), "\\\\u{%X}", (unsigned)cp)
      \                            : snprintf(ubuf, sizeof(ubuf), "\\\\u%04X", (unsigned)cp);
      \        mrb_str_cat(mrb, result, ubuf, n);
      \        p += clen-1;
      \        continue;
      \      }
      \    }
    C
  },
  {
    file: "src/string.c",
    why: "snprintf for the dump escape",
    from: "#include <mruby/presym.h>\n#include <string.h>\n",
    to: "#include <mruby/presym.h>\n#include <string.h>\n#include <stdio.h>\n"
  }
]
