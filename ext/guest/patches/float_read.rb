# Float literals and String#to_f read exactly (CRuby's strtod rounds correctly; mruby's
# mrb_read_float accumulated digit by digit, so 0.3 read as 0.30000000000000004 and a
# denormal as 0.0).
KobakoMrubyPatches.add_all [
  {
    file: "src/readfloat.c",
    why: "read the number mruby's scanner delimited with the C library's correctly rounded strtod",
    from: <<~C,
      \done:
      \  *fp = d;
    C
    to: <<~C
      \done:
      \  if (a > str && a - str < 1024) { /* kobako */
      \    char buf[1024];
      \    memcpy(buf, str, a - str);
      \    buf[a - str] = '\\0';
      \    d = strtod(buf, NULL);
      \  }
      \  *fp = d;
    C
  },
  {
    file: "src/readfloat.c",
    why: "strtod's header",
    from: "#include <string.h>\n#include <math.h>\n",
    to: "#include <string.h>\n#include <stdlib.h>\n#include <math.h>\n"
  }
]
