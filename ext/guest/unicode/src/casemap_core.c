/*
 * The per-character half of the guest's case mapping: table look-ups and strict UTF-8,
 * free of mruby so it can be tested natively (casemap.c binds it to String and Symbol).
 */
#include <string.h>
#include "kobako_unicode.h"

/* ---- one code point ---------------------------------------------------------------- */

static const struct kobako_case_range *
range_find(const struct kobako_case_range *t, int n, uint32_t cp)
{
  int lo = 0, hi = n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (t[mid].first <= cp) lo = mid + 1;
    else hi = mid;
  }
  if (lo == 0) return NULL;
  const struct kobako_case_range *r = &t[lo - 1];
  uint32_t off = cp - r->first;
  if (off % r->stride != 0 || off / r->stride >= r->count) return NULL;
  return r;
}

/* Writes what `cp` becomes per the range into out, returns its length. */
static int
range_apply(const struct kobako_case_range *r, uint32_t cp, uint32_t out[3])
{
  if (r->kind == 0) {
    out[0] = (uint32_t)((int32_t)cp + r->value);
    return 1;
  }
  int n = r->value & 3;
  memcpy(out, &kobako_case_pool[r->value >> 2], sizeof(uint32_t) * n);
  return n;
}

#define LOOKUP(table, cp) range_find(kobako_case_##table, kobako_case_##table##_size, (cp))

/* What one character becomes; returns the number of code points written to out (1..3). */
int
kobako_case_map_char(uint32_t cp, enum kobako_casemode mode, int opts, uint32_t out[3])
{
  out[0] = cp;
  if (cp < 0x80) {
    if (cp >= 'a' && cp <= 'z' && (mode == M_UP || mode == M_TITLE || mode == M_SWAP))
      out[0] = ((opts & OPT_TURKIC) && cp == 'i') ? 0x130 : cp - 32;
    else if (cp >= 'A' && cp <= 'Z' && (mode == M_DOWN || mode == M_FOLD || mode == M_SWAP))
      out[0] = ((opts & OPT_TURKIC) && cp == 'I') ? 0x131 : cp + 32;
    return 1;
  }
  if (opts & OPT_ASCII) return 1;
  if ((opts & OPT_TURKIC) && cp == 0x130) {
    if (mode == M_DOWN || mode == M_FOLD || mode == M_SWAP) out[0] = 'i';
    return 1;
  }
  const struct kobako_case_range *r = NULL;
  switch (mode) {
  case M_UP: r = LOOKUP(up, cp); break;
  case M_DOWN: r = LOOKUP(down, cp); break;
  case M_FOLD: if (!(r = LOOKUP(fold, cp))) r = LOOKUP(down, cp); break;
  case M_TITLE: if (!(r = LOOKUP(title, cp))) r = LOOKUP(up, cp); break;
  case M_SWAP: if (!(r = LOOKUP(swap, cp)) && !(r = LOOKUP(down, cp))) r = LOOKUP(up, cp); break;
  }
  return r ? range_apply(r, cp, out) : 1;
}

/* ---- UTF-8 ---------------------------------------------------------------------------- */

/* Length of the valid UTF-8 character at p (no overlongs, surrogates or > U+10FFFF), or 0. */
int
kobako_utf8_decode(const unsigned char *p, const unsigned char *e, uint32_t *cp)
{
  unsigned char c = p[0];
  if (c < 0x80) { *cp = c; return 1; }
  int n;
  uint32_t v, min;
  if (c >= 0xC2 && c <= 0xDF) { n = 2; v = c & 0x1F; min = 0x80; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 3; v = c & 0x0F; min = 0x800; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 4; v = c & 0x07; min = 0x10000; }
  else return 0;
  if (e - p < n) return 0;
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

int
kobako_utf8_encode(uint32_t cp, char *out)
{
  if (cp < 0x80) { out[0] = (char)cp; return 1; }
  if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

int
kobako_utf8_len(uint32_t cp)
{
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

