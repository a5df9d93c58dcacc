/*
 * Unicode case mapping for the guest's String and Symbol, as CRuby 3.3 does by default:
 * upcase, downcase, capitalize, swapcase (and their ! forms), casecmp, casecmp?, with the
 * options :ascii, :turkic, :lithuanian (accepted; CRuby does not act on it either) and
 * downcase(:fold). The per-character mappings come from tables generated at build time
 * (tables.rb); ASCII-only strings never reach them.
 */
#include <string.h>
#include <mruby.h>
#include <mruby/string.h>
#include <mruby/error.h>
#include "kobako_unicode.h"

static mrb_bool
ascii_only(const char *p, mrb_int len)
{
  for (mrb_int i = 0; i < len; i++) if ((unsigned char)p[i] >= 0x80) return FALSE;
  return TRUE;
}

static mrb_bool
utf8_valid(const char *src, mrb_int len)
{
  const unsigned char *p = (const unsigned char *)src, *e = p + len;
  while (p < e) {
    uint32_t cp;
    int n = kobako_utf8_decode(p, e, &cp);
    if (n == 0) return FALSE;
    p += n;
  }
  return TRUE;
}

static void
raise_invalid(mrb_state *mrb)
{
  mrb_raise(mrb, E_ARGUMENT_ERROR, "input string invalid");
}

/* ---- whole strings -------------------------------------------------------------------- */

/* Maps src (mode for the first character, then `rest`) into dst, or only measures when dst
 * is NULL. Returns the output length, or -1 on invalid UTF-8; *modified tells whether any
 * character changed. */
static mrb_int
map_utf8(const char *src, mrb_int len, char *dst, enum kobako_casemode first, enum kobako_casemode rest, int opts,
         mrb_bool *modified)
{
  const unsigned char *p = (const unsigned char *)src, *e = p + len;
  mrb_int out = 0;
  enum kobako_casemode mode = first;
  *modified = FALSE;
  while (p < e) {
    uint32_t cp, res[3];
    int n = kobako_utf8_decode(p, e, &cp);
    if (n == 0) return -1;
    int k = kobako_case_map_char(cp, mode, opts, res);
    if (k != 1 || res[0] != cp) *modified = TRUE;
    for (int i = 0; i < k; i++) {
      if (dst) out += kobako_utf8_encode(res[i], dst + out);
      else out += kobako_utf8_len(res[i]);
    }
    p += n;
    mode = rest;
  }
  return out;
}

/* Byte-wise ASCII mapping (no validation), as CRuby does for 7-bit strings and :ascii. */
static mrb_bool
map_ascii_bytes(const char *src, mrb_int len, char *dst, enum kobako_casemode first, enum kobako_casemode rest)
{
  mrb_bool modified = FALSE;
  enum kobako_casemode mode = first;
  for (mrb_int i = 0; i < len; i++) {
    unsigned char c = (unsigned char)src[i];
    if (c >= 'a' && c <= 'z' && (mode == M_UP || mode == M_TITLE || mode == M_SWAP)) {
      c -= 32;
      modified = TRUE;
    }
    else if (c >= 'A' && c <= 'Z' && (mode == M_DOWN || mode == M_FOLD || mode == M_SWAP)) {
      c += 32;
      modified = TRUE;
    }
    dst[i] = (char)c;
    mode = rest;
  }
  return modified;
}

/* The case-mapped copy of str; *modified tells whether anything changed. `validate_ascii`:
 * with :ascii, capitalize and swapcase still refuse broken UTF-8 (CRuby walks characters
 * there), upcase and downcase do not. */
static mrb_value
casemap(mrb_state *mrb, mrb_value str, enum kobako_casemode first, enum kobako_casemode rest, int opts,
        mrb_bool validate_ascii, mrb_bool *modified)
{
  const char *p = RSTRING_PTR(str);
  mrb_int len = RSTRING_LEN(str);
  mrb_bool ascii = ascii_only(p, len);
  if ((opts & OPT_ASCII) || (ascii && !(opts & OPT_TURKIC))) {
    if ((opts & OPT_ASCII) && validate_ascii && !ascii && !utf8_valid(p, len)) raise_invalid(mrb);
    mrb_value res = mrb_str_new(mrb, NULL, len);
    *modified = map_ascii_bytes(RSTRING_PTR(str), len, RSTRING_PTR(res), first, rest);
    return res;
  }
  mrb_int out = map_utf8(p, len, NULL, first, rest, opts, modified);
  if (out < 0) raise_invalid(mrb);
  if (!*modified) return mrb_str_new(mrb, p, len);
  mrb_value res = mrb_str_new(mrb, NULL, out);
  map_utf8(RSTRING_PTR(str), len, RSTRING_PTR(res), first, rest, opts, modified);
  return res;
}

static mrb_bool
sym_is(mrb_state *mrb, mrb_value v, const char *name, size_t len)
{
  return mrb_symbol_p(v) && mrb_symbol(v) == mrb_intern(mrb, name, len);
}
#define SYM_IS(v, lit) sym_is(mrb, (v), lit, sizeof(lit) - 1)

/* CRuby's option rules: :ascii, :turkic [, :lithuanian], :lithuanian [, :turkic], :fold
 * (downcase only). */
static int
case_options(mrb_state *mrb, mrb_bool downcasing)
{
  mrb_value *argv;
  mrb_int argc;
  mrb_get_args(mrb, "*", &argv, &argc);
  if (argc == 0) return 0;
  if (argc > 2) mrb_raise(mrb, E_ARGUMENT_ERROR, "too many options");
  if (SYM_IS(argv[0], "turkic")) {
    if (argc == 2 && !SYM_IS(argv[1], "lithuanian")) mrb_raise(mrb, E_ARGUMENT_ERROR, "invalid second option");
    return OPT_TURKIC;
  }
  if (SYM_IS(argv[0], "lithuanian")) {
    if (argc == 2 && !SYM_IS(argv[1], "turkic")) mrb_raise(mrb, E_ARGUMENT_ERROR, "invalid second option");
    return argc == 2 ? OPT_TURKIC : 0;
  }
  if (argc > 1) mrb_raise(mrb, E_ARGUMENT_ERROR, "too many options");
  if (SYM_IS(argv[0], "ascii")) return OPT_ASCII;
  if (SYM_IS(argv[0], "fold")) {
    if (!downcasing) mrb_raise(mrb, E_ARGUMENT_ERROR, "option :fold only allowed for downcasing");
    return OPT_FOLD;
  }
  mrb_raise(mrb, E_ARGUMENT_ERROR, "invalid option");
  return 0;
}

enum method { UPCASE, DOWNCASE, CAPITALIZE, SWAPCASE };

static mrb_value
str_map(mrb_state *mrb, mrb_value str, enum method m, int opts, mrb_bool *modified)
{
  switch (m) {
  case UPCASE: return casemap(mrb, str, M_UP, M_UP, opts, FALSE, modified);
  case DOWNCASE: {
    enum kobako_casemode mode = (opts & OPT_FOLD) ? M_FOLD : M_DOWN;
    return casemap(mrb, str, mode, mode, opts, FALSE, modified);
  }
  case CAPITALIZE: return casemap(mrb, str, M_TITLE, M_DOWN, opts, TRUE, modified);
  default: return casemap(mrb, str, M_SWAP, M_SWAP, opts, TRUE, modified);
  }
}

static mrb_value
str_method(mrb_state *mrb, mrb_value self, enum method m)
{
  int opts = case_options(mrb, m == DOWNCASE);
  mrb_bool modified;
  return str_map(mrb, self, m, opts, &modified);
}

static mrb_value
str_method_bang(mrb_state *mrb, mrb_value self, enum method m)
{
  int opts = case_options(mrb, m == DOWNCASE);
  mrb_str_modify(mrb, mrb_str_ptr(self));
  mrb_bool modified;
  mrb_value res = str_map(mrb, self, m, opts, &modified);
  if (!modified) return mrb_nil_value();
  mrb_int len = RSTRING_LEN(res);
  mrb_str_resize(mrb, self, len);
  memcpy(RSTRING_PTR(self), RSTRING_PTR(res), len);
  return self;
}

static mrb_value str_upcase(mrb_state *mrb, mrb_value self) { return str_method(mrb, self, UPCASE); }
static mrb_value str_downcase(mrb_state *mrb, mrb_value self) { return str_method(mrb, self, DOWNCASE); }
static mrb_value str_capitalize(mrb_state *mrb, mrb_value self) { return str_method(mrb, self, CAPITALIZE); }
static mrb_value str_swapcase(mrb_state *mrb, mrb_value self) { return str_method(mrb, self, SWAPCASE); }
static mrb_value str_upcase_bang(mrb_state *mrb, mrb_value self) { return str_method_bang(mrb, self, UPCASE); }
static mrb_value str_downcase_bang(mrb_state *mrb, mrb_value self) { return str_method_bang(mrb, self, DOWNCASE); }
static mrb_value str_capitalize_bang(mrb_state *mrb, mrb_value self) { return str_method_bang(mrb, self, CAPITALIZE); }
static mrb_value str_swapcase_bang(mrb_state *mrb, mrb_value self) { return str_method_bang(mrb, self, SWAPCASE); }

/* ---- comparison ----------------------------------------------------------------------- */

/* Length CRuby steps over at p: a valid character's, or 1 for a broken byte. */
static int
char_len(const unsigned char *p, const unsigned char *e)
{
  uint32_t cp;
  int n = kobako_utf8_decode(p, e, &cp);
  return n ? n : 1;
}

/* String#casecmp: ASCII letters compare case-insensitively, every other character by its
 * bytes, as in CRuby. */
static mrb_int
casecmp(mrb_value a, mrb_value b)
{
  const unsigned char *p1 = (const unsigned char *)RSTRING_PTR(a), *e1 = p1 + RSTRING_LEN(a);
  const unsigned char *p2 = (const unsigned char *)RSTRING_PTR(b), *e2 = p2 + RSTRING_LEN(b);
  while (p1 < e1 && p2 < e2) {
    if (*p1 < 0x80 && *p2 < 0x80) {
      int c1 = (*p1 >= 'A' && *p1 <= 'Z') ? *p1 + 32 : *p1;
      int c2 = (*p2 >= 'A' && *p2 <= 'Z') ? *p2 + 32 : *p2;
      if (c1 != c2) return c1 < c2 ? -1 : 1;
      p1++; p2++;
      continue;
    }
    int l1 = char_len(p1, e1), l2 = char_len(p2, e2);
    int r = memcmp(p1, p2, l1 < l2 ? l1 : l2);
    if (r != 0) return r < 0 ? -1 : 1;
    if (l1 != l2) return l1 < l2 ? -1 : 1;
    p1 += l1; p2 += l2;
  }
  if (RSTRING_LEN(a) == RSTRING_LEN(b)) return 0;
  return RSTRING_LEN(a) > RSTRING_LEN(b) ? 1 : -1;
}

static mrb_bool
casecmp_p(mrb_state *mrb, mrb_value a, mrb_value b)
{
  mrb_bool m;
  mrb_value fa = casemap(mrb, a, M_FOLD, M_FOLD, 0, FALSE, &m);
  mrb_value fb = casemap(mrb, b, M_FOLD, M_FOLD, 0, FALSE, &m);
  return RSTRING_LEN(fa) == RSTRING_LEN(fb) && memcmp(RSTRING_PTR(fa), RSTRING_PTR(fb), RSTRING_LEN(fa)) == 0;
}

static mrb_value
str_casecmp(mrb_state *mrb, mrb_value self)
{
  mrb_value other = mrb_get_arg1(mrb);
  if (!mrb_string_p(other)) return mrb_nil_value();
  return mrb_fixnum_value(casecmp(self, other));
}

static mrb_value
str_casecmp_p(mrb_state *mrb, mrb_value self)
{
  mrb_value other = mrb_get_arg1(mrb);
  if (!mrb_string_p(other)) return mrb_nil_value();
  return mrb_bool_value(casecmp_p(mrb, self, other));
}

/* ---- Symbol --------------------------------------------------------------------------- */

static mrb_value
sym_method(mrb_state *mrb, mrb_value self, enum method m)
{
  int opts = case_options(mrb, m == DOWNCASE);
  mrb_value name = mrb_sym_str(mrb, mrb_symbol(self));
  /* CRuby's ASCII-only Symbols are US-ASCII, whose case mapping has no Turkic rules. */
  if (ascii_only(RSTRING_PTR(name), RSTRING_LEN(name))) opts &= ~OPT_TURKIC;
  mrb_bool modified;
  mrb_value res = str_map(mrb, name, m, opts, &modified);
  return mrb_symbol_value(mrb_intern_str(mrb, res));
}

static mrb_value sym_upcase(mrb_state *mrb, mrb_value self) { return sym_method(mrb, self, UPCASE); }
static mrb_value sym_downcase(mrb_state *mrb, mrb_value self) { return sym_method(mrb, self, DOWNCASE); }
static mrb_value sym_capitalize(mrb_state *mrb, mrb_value self) { return sym_method(mrb, self, CAPITALIZE); }
static mrb_value sym_swapcase(mrb_state *mrb, mrb_value self) { return sym_method(mrb, self, SWAPCASE); }

static mrb_value
sym_casecmp(mrb_state *mrb, mrb_value self)
{
  mrb_value other = mrb_get_arg1(mrb);
  if (!mrb_symbol_p(other)) return mrb_nil_value();
  return mrb_fixnum_value(casecmp(mrb_sym_str(mrb, mrb_symbol(self)), mrb_sym_str(mrb, mrb_symbol(other))));
}

static mrb_value
sym_casecmp_p(mrb_state *mrb, mrb_value self)
{
  mrb_value other = mrb_get_arg1(mrb);
  if (!mrb_symbol_p(other)) return mrb_nil_value();
  return mrb_bool_value(casecmp_p(mrb, mrb_sym_str(mrb, mrb_symbol(self)), mrb_sym_str(mrb, mrb_symbol(other))));
}


void kobako_unicode_normalize_init(mrb_state *mrb);

void
mrb_mruby_kobako_unicode_gem_init(mrb_state *mrb)
{
  struct RClass *s = mrb->string_class;
  mrb_define_method(mrb, s, "upcase", str_upcase, MRB_ARGS_ANY());
  mrb_define_method(mrb, s, "downcase", str_downcase, MRB_ARGS_ANY());
  mrb_define_method(mrb, s, "capitalize", str_capitalize, MRB_ARGS_ANY());
  mrb_define_method(mrb, s, "swapcase", str_swapcase, MRB_ARGS_ANY());
  mrb_define_method(mrb, s, "upcase!", str_upcase_bang, MRB_ARGS_ANY());
  mrb_define_method(mrb, s, "downcase!", str_downcase_bang, MRB_ARGS_ANY());
  mrb_define_method(mrb, s, "capitalize!", str_capitalize_bang, MRB_ARGS_ANY());
  mrb_define_method(mrb, s, "swapcase!", str_swapcase_bang, MRB_ARGS_ANY());
  mrb_define_method(mrb, s, "casecmp", str_casecmp, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, s, "casecmp?", str_casecmp_p, MRB_ARGS_REQ(1));

  struct RClass *y = mrb->symbol_class;
  mrb_define_method(mrb, y, "upcase", sym_upcase, MRB_ARGS_ANY());
  mrb_define_method(mrb, y, "downcase", sym_downcase, MRB_ARGS_ANY());
  mrb_define_method(mrb, y, "capitalize", sym_capitalize, MRB_ARGS_ANY());
  mrb_define_method(mrb, y, "swapcase", sym_swapcase, MRB_ARGS_ANY());
  mrb_define_method(mrb, y, "casecmp", sym_casecmp, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, y, "casecmp?", sym_casecmp_p, MRB_ARGS_REQ(1));

  kobako_unicode_normalize_init(mrb);
}

void
mrb_mruby_kobako_unicode_gem_final(mrb_state *mrb)
{
  (void)mrb;
}
