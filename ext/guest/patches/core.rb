# Fixes to mruby's VM, numerics, sprintf, kernel and parser (see docs/decisions.md).
KobakoMrubyPatches.add_all [
  {
    file: "src/vm.c",
    why: "method_missing lost keyword arguments when the call had no positional " \
         "arguments or a splat (kwargs were read after their slot was overwritten)",
    from: <<~C,
      \  mrb_value *argv = &ci->stack[1];
      \  mrb_value args;
      \  mrb_method_t m;

      \  /* pack positional arguments */
      \  if (ci->n == 15) args = argv[0];
      \  else args = mrb_ary_new_from_values(mrb, ci->n, argv);
    C
    to: <<~C
      \  mrb_value *argv = &ci->stack[1];
      \  mrb_value args;
      \  mrb_method_t m;
      \  /* kobako: the keyword hash sits after the positional slots; read it before they move */
      \  mrb_value kdict = (ci->nk == 0) ? mrb_nil_value() : argv[ci->n == 15 ? 1 : ci->n];

      \  /* pack positional arguments */
      \  if (ci->n == 15) args = argv[0];
      \  else args = mrb_ary_new_from_values(mrb, ci->n, argv);
    C
  },
  {
    file: "src/vm.c",
    why: "second half of the method_missing keyword fix",
    from: <<~C,
      \    mrb_assert(ci->nk == 15);
      \    argv[1] = argv[ci->n];
      \    argv[2] = blk;
    C
    to: <<~C
      \    mrb_assert(ci->nk == 15);
      \    argv[1] = kdict;
      \    argv[2] = blk;
    C
  },
  # The VM assumes the types mrbc's code guarantees; preloaded bytecode is untrusted
  # (the verifier in ext/guest/src/rite.rs checks indices, not types), so these
  # assumptions become TypeErrors instead of reads through a wrong pointer.
  {
    file: "src/vm.c",
    why: "ARYCAT/ARYPUSH/ASET trusted their register to hold an Array",
    count: 3,
    from: "mrb_assert(mrb_array_p(regs[a]));",
    to: "if (!mrb_array_p(regs[a])) RAISE_LIT(mrb, E_TYPE_ERROR, \"bytecode expected an Array\");"
  },
  {
    file: "src/vm.c",
    why: "INTERN/STRCAT trusted their register to hold a String",
    count: 2,
    from: "mrb_assert(mrb_string_p(regs[a]));",
    to: "if (!mrb_string_p(regs[a])) RAISE_LIT(mrb, E_TYPE_ERROR, \"bytecode expected a String\");"
  },
  {
    file: "src/vm.c",
    why: "HASHCAT trusted its register to hold a Hash",
    from: "mrb_assert(mrb_hash_p(hash));",
    to: "if (!mrb_hash_p(hash)) RAISE_LIT(mrb, E_TYPE_ERROR, \"bytecode expected a Hash\");"
  },
  {
    file: "src/vm.c",
    why: "DEF trusted its registers to hold a class and a method body",
    from: <<~C,
      \    CASE(OP_DEF, BB) {
      \      struct RClass *target = mrb_class_ptr(regs[a]);
    C
    to: <<~C
      \    CASE(OP_DEF, BB) {
      \      if (!mrb_class_p(regs[a]) && !mrb_module_p(regs[a]) && !mrb_sclass_p(regs[a])) RAISE_LIT(mrb, E_TYPE_ERROR, "bytecode expected a class");
      \      if (!mrb_proc_p(regs[a+1])) RAISE_LIT(mrb, E_TYPE_ERROR, "bytecode expected a method body");
      \      struct RClass *target = mrb_class_ptr(regs[a]);
    C
  },
  {
    file: "src/vm.c",
    why: "EXEC trusted its register to hold a class",
    from: <<~C,
      \      mrb_value recv = regs[a];
      \      struct RProc *p;
      \      const mrb_irep *nirep = irep->reps[b];
    C
    to: <<~C
      \      mrb_value recv = regs[a];
      \      struct RProc *p;
      \      const mrb_irep *nirep = irep->reps[b];
      \      if (!mrb_class_p(recv) && !mrb_module_p(recv) && !mrb_sclass_p(recv)) RAISE_LIT(mrb, E_TYPE_ERROR, "bytecode expected a class");
    C
  },
  {
    file: "src/vm.c",
    why: "a send with packed arguments (n = 15) trusted R[a+1] to be an Array",
    from: <<~C,
      \      if (nk == CALL_MAXARGS) {
      \        mrb_ensure_hash_type(mrb, regs[a+(n==CALL_MAXARGS?1:n)+1]);
    C
    to: <<~C
      \      if (n == CALL_MAXARGS && !mrb_array_p(regs[a+1])) RAISE_LIT(mrb, E_TYPE_ERROR, "bytecode expected packed arguments");
      \      if (nk == CALL_MAXARGS) {
      \        mrb_ensure_hash_type(mrb, regs[a+(n==CALL_MAXARGS?1:n)+1]);
    C
  },
  {
    file: "src/vm.c",
    why: "OP_ENTER trusted packed arguments to be an Array (a 15-parameter block that redoes)",
    from: <<~C,
      \      /* keyword arguments */
      \      if (ci->nk == 15) {
    C
    to: <<~C
      \      if (argc == 15 && !mrb_array_p(regs[1])) RAISE_LIT(mrb, E_TYPE_ERROR, "packed arguments are not an Array");
      \      /* keyword arguments */
      \      if (ci->nk == 15) {
    C
  },
  {
    file: "src/vm.c",
    why: "RAISEIF raised whatever its register held (an Integer was dereferenced)",
    from: <<~C,
      \        mrb_callinfo *ci;
      \        mrb_exc_set(mrb, exc);
      \      L_RAISE:
    C
    to: <<~C
      \        mrb_callinfo *ci;
      \        if (!mrb_obj_is_kind_of(mrb, exc, mrb->eException_class)) exc = mrb_exc_new_lit(mrb, E_TYPE_ERROR, "bytecode raised a non-exception");
      \        mrb_exc_set(mrb, exc);
      \      L_RAISE:
    C
  },
  # Float#to_s (and inspect, and interpolation) print the shortest digits that read back
  # as the same Float, in CRuby's fixed or exponent form; mruby printed 15 significant
  # digits, so 3.141592653589793 came out as 3.14159265358979.
  {
    file: "src/numeric.c",
    why: "Float#to_s gives CRuby's shortest round-trip representation",
    from: <<~C,
      \  mrb_format_float(mrb_float(flo), buf, sizeof(buf), 'g', prec, '\\0');
      \  for (char *p = buf; *p; p++) {
    C
    to: <<~C
      \  (void)prec;
      \  if (!fmt) return kobako_float_shortest(mrb, mrb_float(flo)); /* kobako */
      \  mrb_format_float(mrb_float(flo), buf, sizeof(buf), 'g', prec, '\\0');
      \  for (char *p = buf; *p; p++) {
    C
  },
  {
    file: "src/numeric.c",
    why: "the shortest round-trip formatter used by the previous patch",
    from: <<~C,
      /* the argument `fmt` is no longer used; you can pass `NULL` */
      mrb_value
      mrb_float_to_str(mrb_state *mrb, mrb_value flo, const char *fmt)
    C
    to: <<~C
      /* kobako: CRuby's Float#to_s. The fewest significant digits (1..17) that strtod
       * reads back as the same double; then fixed notation when the decimal point falls
       * within 16 digits (15, or 16 with a fraction) or no more than 3 zeros after it,
       * else d.ddde+XX. */
      static mrb_value
      kobako_float_shortest(mrb_state *mrb, double f)
      {
        char buf[48], digits[24], out[64];
        int prec, ndig = 0, exp10, decpt, pos = 0;
        if (f == 0.0) return mrb_str_new_cstr(mrb, signbit(f) ? "-0.0" : "0.0");
        for (prec = 1; prec <= 17; prec++) {
          snprintf(buf, sizeof(buf), "%.*e", prec - 1, f);
          if (strtod(buf, NULL) == f) break;
        }
        const char *q = buf;
        if (*q == '-') { out[pos++] = '-'; q++; }
        for (; *q && *q != 'e'; q++) if (*q != '.') digits[ndig++] = *q;
        while (ndig > 1 && digits[ndig - 1] == '0') ndig--;
        exp10 = atoi(q + 1);
        decpt = exp10 + 1;
        if ((decpt > 0 && (decpt <= 15 || (decpt == 16 && ndig > 16))) || (decpt <= 0 && decpt > -4)) {
          if (decpt <= 0) {
            out[pos++] = '0'; out[pos++] = '.';
            for (int i = 0; i < -decpt; i++) out[pos++] = '0';
            for (int i = 0; i < ndig; i++) out[pos++] = digits[i];
          }
          else {
            for (int i = 0; i < decpt; i++) out[pos++] = i < ndig ? digits[i] : '0';
            out[pos++] = '.';
            if (ndig > decpt) for (int i = decpt; i < ndig; i++) out[pos++] = digits[i];
            else out[pos++] = '0';
          }
          out[pos] = '\\0';
        }
        else {
          out[pos++] = digits[0]; out[pos++] = '.';
          if (ndig > 1) for (int i = 1; i < ndig; i++) out[pos++] = digits[i];
          else out[pos++] = '0';
          snprintf(out + pos, sizeof(out) - pos, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
        }
        return mrb_str_new_cstr(mrb, out);
      }

      /* the argument `fmt` is no longer used; you can pass `NULL` */
      mrb_value
      mrb_float_to_str(mrb_state *mrb, mrb_value flo, const char *fmt)
    C
  },
  {
    file: "src/numeric.c",
    why: "headers the shortest-float formatter needs",
    from: "#include <string.h>\n",
    to: "#include <string.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <math.h>\n"
  },
  # sprintf's %f/%e/%g rounded with an approximate formatter (format("%.2f", 42.125) gave
  # "42.13"); libc's conversion is exact and rounds half to even, as CRuby's does.
  {
    file: "mrbgems/mruby-sprintf/src/sprintf.c",
    why: "format/sprintf/String#% convert floats exactly, as CRuby does",
    from: "  int len = mrb_format_float(f, buf, buf_size, fmt, prec, sign);\n",
    to: <<~C
      \  if (!isinf(f) && !isnan(f)) { /* kobako: libc's exactly rounded conversion, flags and all */
      \    char spec[32];
      \    int n = 0;
      \    spec[n++] = '%';
      \    if (left_align) spec[n++] = '-';
      \    if (sign) spec[n++] = sign;
      \    if (zero_pad && !left_align) spec[n++] = '0';
      \    if ((uint8_t)fmt & 0x80) spec[n++] = '#';
      \    if (width > 0) n += snprintf(spec + n, sizeof(spec) - n, "%d", width);
      \    if (prec >= 0) n += snprintf(spec + n, sizeof(spec) - n, ".%d", prec);
      \    spec[n++] = (char)(fmt & 0x7f);
      \    spec[n] = '\\0';
      \    int out = snprintf(buf, buf_size, spec, (double)f);
      \    return out >= (int)buf_size ? (int)buf_size - 1 : out;
      \  }
      \  int len = mrb_format_float(f, buf, buf_size, fmt, prec, sign);
    C
  },
  {
    file: "mrbgems/mruby-sprintf/src/sprintf.c",
    why: "headers the exact float conversion needs",
    from: "#include <ctype.h>\n",
    to: "#include <ctype.h>\n#include <stdio.h>\n#include <stdint.h>\n#include <math.h>\n"
  },
  # `$!` is the exception being handled, as in CRuby (mruby had no such global), so
  # `rescue $!`, `$!.message` and a bare `raise` inside a rescue work.
  {
    file: "src/vm.c",
    why: "set $! when a rescue or ensure clause takes the exception",
    from: <<~C,
      \        mrb->exc = NULL;
      \      }
      \      regs[a] = exc;
      \      NEXT;
      \    }
      \    CASE(OP_RESCUE, BB) {
    C
    to: <<~C
      \        mrb->exc = NULL;
      \      }
      \      regs[a] = exc;
      \      if (mrb_type(exc) == MRB_TT_EXCEPTION) mrb_gv_set(mrb, mrb_intern_lit(mrb, "$!"), exc); /* kobako */
      \      NEXT;
      \    }
      \    CASE(OP_RESCUE, BB) {
    C
  },
  {
    file: "src/kernel.c",
    why: "a bare `raise` re-raises the exception being handled ($!), as in CRuby",
    from: <<~C,
      \  case 0:
      \    mrb_raise(mrb, E_RUNTIME_ERROR, "");
      \    break;
    C
    to: <<~C
      \  case 0:
      \    exc = mrb_gv_get(mrb, mrb_intern_lit(mrb, "$!")); /* kobako */
      \    if (mrb_type(exc) == MRB_TT_EXCEPTION) mrb_exc_raise(mrb, exc);
      \    mrb_raise(mrb, E_RUNTIME_ERROR, "");
      \    break;
    C
  },
  {
    file: "include/mruby/compile.h",
    why: "a String literal over 64 KiB was refused by the parser (its token buffer's cap); " \
         "the sandbox's memory_limit is the cap that should decide",
    from: "#define MRB_PARSER_TOKBUF_MAX (UINT16_MAX-1)",
    to: "#define MRB_PARSER_TOKBUF_MAX (INT32_MAX/2)"
  },
  {
    file: "src/readfloat.c",
    why: "Float literals and String#to_f were not correctly rounded (0.3, 2.675 and 1e23 came " \
         "out one ulp off, so 0.1 + 0.2 != 0.30000000000000004): keep mruby's scan of the " \
         "syntax, take the value from the C library's correctly rounded strtod",
    from: <<~C,
      done:
        *fp = d;
        if (endp) *endp = (char*)a;
        if (str == a) return FALSE;
        return TRUE;
    C
    to: <<~C
      done:
        if (str != a) {
          /* kobako: the digits scanned above, converted by strtod (correctly rounded) */
          char small[128];
          size_t len = (size_t)(a - str);
          char *buf = len < sizeof(small) ? small : (char*)malloc(len + 1);
          if (buf) {
            memcpy(buf, str, len);
            buf[len] = '\0';
            d = strtod(buf, NULL);
            if (buf != small) free(buf);
          }
        }
        *fp = d;
        if (endp) *endp = (char*)a;
        if (str == a) return FALSE;
        return TRUE;
    C
  },
  {
    file: "src/readfloat.c",
    why: "strtod and malloc for the previous fix",
    from: "#include <string.h>\n#include <math.h>\n",
    to: "#include <string.h>\n#include <stdlib.h>\n#include <math.h>\n"
  },
  {
    file: "src/numeric.c",
    why: "Integer/Float <=> (and <, >, ...) a Bignum: mruby answered nil, so 1 < 2**70 raised",
    from: <<-'C',
#endif
#endif
  default:
    return -2;
  }
  if (x > y)
    C
    to: <<-'C'
#endif
#endif
#ifdef MRB_USE_BIGINT
  case MRB_TT_BIGINT:
    if (mrb_float_p(v1) && isnan(mrb_float(v1))) return -2;
    {
      mrb_int r = mrb_bint_cmp(mrb, v2, v1);
      return r == -2 ? -2 : -r;
    }
#endif
  default:
    return -2;
  }
  if (x > y)
    C
  },
]
