/*
 * String#unicode_normalize, #unicode_normalize! and #unicode_normalized? (:nfc, :nfd,
 * :nfkc, :nfkd), as CRuby 3.3 does them (Unicode 15.0): full decomposition from the
 * build-time tables (Hangul syllables computed), canonical ordering, and for the C forms
 * canonical composition with the primary composites.
 */
#include <string.h>
#include <mruby.h>
#include <mruby/string.h>
#include "kobako_unicode.h"

enum { SBASE = 0xAC00, LBASE = 0x1100, VBASE = 0x1161, TBASE = 0x11A7, LCOUNT = 19, VCOUNT = 21,
       TCOUNT = 28, NCOUNT = VCOUNT * TCOUNT, SCOUNT = LCOUNT * NCOUNT };

static int
ccc_of(uint32_t cp)
{
  if (cp < 0x300) return 0;
  int lo = 0, hi = kobako_ccc_size;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (kobako_ccc[mid].first <= cp) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return 0;
  const struct kobako_ccc_range *r = &kobako_ccc[lo - 1];
  return cp - r->first < r->count ? r->ccc : 0;
}

/* The pool bytes of cp's full decomposition in a table, or NULL. */
static const unsigned char *
decomp_find(const uint32_t *keys, const uint16_t *offs, int n, uint32_t cp, int *len)
{
  int lo = 0, hi = n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if ((keys[mid] >> 8) < cp) lo = mid + 1;
    else hi = mid;
  }
  if (lo == n || (keys[lo] >> 8) != cp) return NULL;
  *len = keys[lo] & 0xFF;
  return kobako_decomp_pool + offs[lo];
}

/* Appends cp's full decomposition to out (when out is non-NULL); returns its length. */
static int
decompose(uint32_t cp, int compat, uint32_t *out)
{
  if (cp >= SBASE && cp < SBASE + SCOUNT) {
    uint32_t s = cp - SBASE, t = s % TCOUNT;
    if (out) {
      out[0] = LBASE + s / NCOUNT;
      out[1] = VBASE + (s % NCOUNT) / TCOUNT;
      if (t) out[2] = TBASE + t;
    }
    return t ? 3 : 2;
  }
  int len = 0;
  const unsigned char *p = NULL;
  if (cp >= 0xA0) {
    if (compat) p = decomp_find(kobako_nfkd_keys, kobako_nfkd_offsets, kobako_nfkd_size, cp, &len);
    if (!p) p = decomp_find(kobako_nfd_keys, kobako_nfd_offsets, kobako_nfd_size, cp, &len);
  }
  if (!p) {
    if (out) out[0] = cp;
    return 1;
  }
  const unsigned char *e = p + len;
  int n = 0;
  while (p < e) {
    uint32_t c;
    p += kobako_utf8_decode(p, e, &c);
    if (out) out[n] = c;
    n++;
  }
  return n;
}

static uint32_t
compose_pair(uint32_t a, uint32_t b)
{
  if (a >= LBASE && a < LBASE + LCOUNT && b >= VBASE && b < VBASE + VCOUNT)
    return SBASE + ((a - LBASE) * VCOUNT + (b - VBASE)) * TCOUNT;
  if (a >= SBASE && a < SBASE + SCOUNT && (a - SBASE) % TCOUNT == 0 && b > TBASE && b < TBASE + TCOUNT)
    return a + (b - TBASE);
  int lo = 0, hi = kobako_composites_size;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    const struct kobako_composite *c = &kobako_composites[mid];
    if (c->first < a || (c->first == a && c->second < b)) lo = mid + 1;
    else hi = mid;
  }
  if (lo < kobako_composites_size && kobako_composites[lo].first == a && kobako_composites[lo].second == b)
    return kobako_composites[lo].composite;
  return 0;
}

/* Stable sort of each run of non-starters by combining class. */
static void
canonical_order(uint32_t *buf, mrb_int n)
{
  for (mrb_int i = 1; i < n; i++) {
    int cc = ccc_of(buf[i]);
    if (cc == 0) continue;
    uint32_t c = buf[i];
    mrb_int j = i;
    while (j > 0) {
      int pc = ccc_of(buf[j - 1]);
      if (pc == 0 || pc <= cc) break;
      buf[j] = buf[j - 1];
      j--;
    }
    buf[j] = c;
  }
}

static mrb_int
compose(uint32_t *buf, mrb_int n)
{
  if (n == 0) return 0;
  mrb_int starter = 0, out = 1;
  int last = ccc_of(buf[0]) ? 256 : 0;
  for (mrb_int i = 1; i < n; i++) {
    uint32_t c = buf[i];
    int cc = ccc_of(c);
    uint32_t comp = (last < cc || last == 0) ? compose_pair(buf[starter], c) : 0;
    if (comp) {
      buf[starter] = comp;
      continue;
    }
    if (cc == 0) starter = out;
    last = cc;
    buf[out++] = c;
  }
  return out;
}

enum { NF_C = 1, NF_K = 2 };

static int
normal_form(mrb_state *mrb)
{
  mrb_value form = mrb_nil_value();
  mrb_get_args(mrb, "|o", &form);
  if (mrb_nil_p(form)) return NF_C;
  if (mrb_symbol_p(form)) {
    mrb_sym s = mrb_symbol(form);
    if (s == mrb_intern_lit(mrb, "nfc")) return NF_C;
    if (s == mrb_intern_lit(mrb, "nfd")) return 0;
    if (s == mrb_intern_lit(mrb, "nfkc")) return NF_C | NF_K;
    if (s == mrb_intern_lit(mrb, "nfkd")) return NF_K;
  }
  mrb_raisef(mrb, E_ARGUMENT_ERROR, "Invalid normalization form %v.", mrb_obj_as_string(mrb, form));
  return 0;
}

static mrb_value
normalize(mrb_state *mrb, mrb_value str, int form)
{
  const unsigned char *p = (const unsigned char *)RSTRING_PTR(str), *e = p + RSTRING_LEN(str);
  mrb_int n = 0;
  mrb_bool ascii = TRUE;
  for (const unsigned char *q = p; q < e;) {
    uint32_t cp;
    int l = kobako_utf8_decode(q, e, &cp);
    if (l == 0) mrb_raise(mrb, E_ARGUMENT_ERROR, "invalid byte sequence in UTF-8");
    if (cp >= 0x80) ascii = FALSE;
    n += decompose(cp, form & NF_K, NULL);
    q += l;
  }
  if (ascii) return mrb_str_new(mrb, (const char *)p, RSTRING_LEN(str));
  /* A String as the code point buffer, so the GC owns it (heap-allocated: > embed size). */
  mrb_value tmp = mrb_str_new_capa(mrb, (n + 16) * (mrb_int)sizeof(uint32_t));
  uint32_t *buf = (uint32_t *)(void *)RSTRING_PTR(tmp);
  p = (const unsigned char *)RSTRING_PTR(str);
  e = p + RSTRING_LEN(str);
  mrb_int k = 0;
  while (p < e) {
    uint32_t cp;
    p += kobako_utf8_decode(p, e, &cp);
    k += decompose(cp, form & NF_K, buf + k);
  }
  canonical_order(buf, k);
  if (form & NF_C) k = compose(buf, k);
  mrb_int bytes = 0;
  for (mrb_int i = 0; i < k; i++) bytes += kobako_utf8_len(buf[i]);
  mrb_value res = mrb_str_new(mrb, NULL, bytes);
  char *o = RSTRING_PTR(res);
  buf = (uint32_t *)(void *)RSTRING_PTR(tmp);
  for (mrb_int i = 0; i < k; i++) o += kobako_utf8_encode(buf[i], o);
  return res;
}

static mrb_value
str_unicode_normalize(mrb_state *mrb, mrb_value self)
{
  return normalize(mrb, self, normal_form(mrb));
}

static mrb_value
str_unicode_normalize_bang(mrb_state *mrb, mrb_value self)
{
  mrb_value res = normalize(mrb, self, normal_form(mrb));
  mrb_str_modify(mrb, mrb_str_ptr(self));
  mrb_int len = RSTRING_LEN(res);
  mrb_str_resize(mrb, self, len);
  memcpy(RSTRING_PTR(self), RSTRING_PTR(res), len);
  return self;
}

static mrb_value
str_unicode_normalized_p(mrb_state *mrb, mrb_value self)
{
  mrb_value res = normalize(mrb, self, normal_form(mrb));
  return mrb_bool_value(RSTRING_LEN(res) == RSTRING_LEN(self) &&
                        memcmp(RSTRING_PTR(res), RSTRING_PTR(self), RSTRING_LEN(res)) == 0);
}

void
kobako_unicode_normalize_init(mrb_state *mrb)
{
  struct RClass *s = mrb->string_class;
  mrb_define_method(mrb, s, "unicode_normalize", str_unicode_normalize, MRB_ARGS_OPT(1));
  mrb_define_method(mrb, s, "unicode_normalize!", str_unicode_normalize_bang, MRB_ARGS_OPT(1));
  mrb_define_method(mrb, s, "unicode_normalized?", str_unicode_normalized_p, MRB_ARGS_OPT(1));
}
