# Readers the guest's encoder (mrbgem src/encode.c) uses to carry Time, Rational and
# Complex across the boundary without running any Ruby method of the value: these types
# keep their parts in C structs that only their own files can see.
KobakoMrubyPatches.add_all [
  {
    file: "mrbgems/mruby-time/src/time.c",
    why: "the encoder reads a Time's instant and UTC flag",
    from: "void\nmrb_mruby_time_gem_init(mrb_state* mrb)\n",
    to: <<~C
      /* kobako: 1 and the parts when `v` is a Time, else 0 */
      int
      kobako_time_parts(mrb_state *mrb, mrb_value v, int64_t *sec, int64_t *usec, int *utc)
      {
        struct mrb_time *tm;
        if (!mrb_data_p(v)) return 0;
        tm = (struct mrb_time*)mrb_data_check_get_ptr(mrb, v, &time_type);
        if (!tm) return 0;
        *sec = (int64_t)tm->sec;
        *usec = (int64_t)tm->usec;
        *utc = tm->timezone == MRB_TIMEZONE_UTC;
        return 1;
      }

      void
      mrb_mruby_time_gem_init(mrb_state* mrb)
    C
  },
  {
    file: "mrbgems/mruby-rational/src/rational.c",
    why: "the encoder reads a Rational's numerator and denominator",
    from: "void mrb_mruby_rational_gem_init(mrb_state *mrb)\n",
    to: <<~C
      /* kobako */
      void
      kobako_rational_parts(mrb_state *mrb, mrb_value v, mrb_int *num, mrb_int *den)
      {
        struct mrb_rational *p = rational_ptr(mrb, v);
        *num = p->numerator;
        *den = p->denominator;
      }

      void mrb_mruby_rational_gem_init(mrb_state *mrb)
    C
  },
  {
    file: "mrbgems/mruby-complex/src/complex.c",
    why: "the encoder reads a Complex's parts",
    from: "void mrb_mruby_complex_gem_init(mrb_state *mrb)\n",
    to: <<~C
      /* kobako */
      void
      kobako_complex_parts(mrb_state *mrb, mrb_value v, double *re, double *im)
      {
        struct mrb_complex *p = complex_ptr(mrb, v);
        *re = (double)p->real;
        *im = (double)p->imaginary;
      }

      void mrb_mruby_complex_gem_init(mrb_state *mrb)
    C
  }
]
