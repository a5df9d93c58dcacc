/*
 * Builds mruby values from MessagePack the host sent (Service results, block arguments,
 * the preamble). The Rust reader does the bounds checks; this file maps tokens to values
 * and enforces depth and shape.
 */
#include <string.h>
#include <time.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/hash.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include "kobako_guest.h"
#include "kobako_decode.h"
#include "kobako_proxy.h"

struct decoder {
  const uint8_t *buf;
  size_t len;
  size_t pos;
  const char *error;
};

static int
fail(struct decoder *d, const char *message)
{
  if (d->error == NULL) d->error = message;
  return 1;
}

static int read_value(mrb_state *mrb, struct decoder *d, int depth, mrb_value *out);

/* The top-level class `name`, requiring `lib` first when the script has not. */
static struct RClass *
library_class(mrb_state *mrb, const char *name, const char *lib)
{
  if (!mrb_class_defined(mrb, name)) {
    mrb_funcall(mrb, mrb_top_self(mrb), "require", 1, mrb_str_new_cstr(mrb, lib));
  }
  return mrb_class_get(mrb, name);
}

static void
set_ivar(mrb_state *mrb, mrb_value obj, const char *name, mrb_value v)
{
  mrb_iv_set(mrb, obj, mrb_intern_cstr(mrb, name), v);
}

/* A BigDecimal from the host's text (checked by the host against the grammar in
 * msgpack.rs), built as stdlib lib/bigdecimal.rb keeps one: @__mantissa * 10 **
 * @__exponent with trailing zeros stripped, @__negative_zero, @__special. Parsing it in
 * C keeps a crossing to about a microsecond. */
static mrb_value
bigdecimal_from_text(mrb_state *mrb, const char *p, size_t len)
{
  struct RClass *klass = library_class(mrb, "BigDecimal", "bigdecimal");
  mrb_value d = mrb_obj_value(mrb_obj_alloc(mrb, MRB_TT_OBJECT, klass));
  mrb_bool negative = len > 0 && p[0] == '-';
  size_t i = (len > 0 && (p[0] == '-' || p[0] == '+')) ? 1 : 0;
  mrb_value special = mrb_nil_value();
  if (len - i == 3 && memcmp(p + i, "NaN", 3) == 0) special = mrb_str_new_lit(mrb, "NaN");
  else if (len - i == 8 && memcmp(p + i, "Infinity", 8) == 0) {
    special = negative ? mrb_str_new_lit(mrb, "-Infinity") : mrb_str_new_lit(mrb, "Infinity");
  }
  if (!mrb_nil_p(special)) {
    mrb_obj_freeze(mrb, special);
    set_ivar(mrb, d, "@__mantissa", mrb_fixnum_value(0));
    set_ivar(mrb, d, "@__exponent", mrb_fixnum_value(0));
    set_ivar(mrb, d, "@__negative_zero", mrb_false_value());
    set_ivar(mrb, d, "@__special", special);
    return d;
  }
  /* Digits of the integer and fraction parts (where they start and end in `p`), then the
   * exponent. Up to 18 significant digits are read straight into an int64. */
  size_t int_at = i;
  for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {}
  size_t int_end = i, frac_at = i, frac_end = i;
  if (i < len && p[i] == '.') {
    frac_at = ++i;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) {}
    frac_end = i;
  }
  int64_t exponent = -(int64_t)(frac_end - frac_at);
  if (i < len && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    mrb_bool neg_exp = i < len && p[i] == '-';
    if (i < len && (p[i] == '-' || p[i] == '+')) i++;
    int64_t e = 0;
    for (; i < len && p[i] >= '0' && p[i] <= '9'; i++) e = e * 10 + (p[i] - '0'); /* at most 18 digits */
    exponent += neg_exp ? -e : e;
  }
  /* The significant digits are the integer part then the fraction, read through one index
   * (no copy): leading zeros skipped, trailing zeros moved into the exponent. */
  size_t int_len = int_end - int_at, total = int_len + (frac_end - frac_at);
#define DIGIT_AT(k) ((k) < int_len ? p[int_at + (k)] : p[frac_at + (k) - int_len])
  size_t start = 0, end = total;
  while (start < end && DIGIT_AT(start) == '0') start++;
  while (end > start && DIGIT_AT(end - 1) == '0') {
    end--;
    exponent++;
  }
  mrb_value mantissa;
  if (start == end) {
    mantissa = mrb_fixnum_value(0);
    exponent = 0;
  } else if (end - start <= 18) {
    int64_t m = 0;
    for (size_t k = start; k < end; k++) m = m * 10 + (DIGIT_AT(k) - '0');
    mantissa = mrb_int_value(mrb, (mrb_int)(negative ? -m : m));
  } else {
    /* The digits in at most two pieces: what is left of each part. */
    mrb_value digits = mrb_str_new_capa(mrb, (mrb_int)(end - start));
    if (start < int_len) mrb_str_cat(mrb, digits, p + int_at + start, (end < int_len ? end : int_len) - start);
    if (end > int_len) {
      size_t from = start > int_len ? start - int_len : 0;
      mrb_str_cat(mrb, digits, p + frac_at + from, end - int_len - from);
    }
    /* No badcheck: see the Integer ext above. */
    mantissa = mrb_str_to_integer(mrb, digits, 10, FALSE);
    if (negative) mantissa = mrb_funcall(mrb, mantissa, "-@", 0);
  }
#undef DIGIT_AT
  set_ivar(mrb, d, "@__mantissa", mantissa);
  set_ivar(mrb, d, "@__exponent", mrb_int_value(mrb, (mrb_int)exponent));
  set_ivar(mrb, d, "@__negative_zero", mrb_bool_value(mrb_integer_p(mantissa) && mrb_integer(mantissa) == 0 && negative));
  set_ivar(mrb, d, "@__special", mrb_nil_value());
  return d;
}

/* mruby-time's constructor (its enum passed as the int it is). */
mrb_value time_at(mrb_state *mrb, time_t sec, time_t usec, int timezone); /* MRB_API, though its header says mrb_time_at */
#define KOBAKO_TIMEZONE_UTC 1

static mrb_value
frozen_copy(mrb_state *mrb, mrb_value str)
{
  mrb_value copy = mrb_str_dup(mrb, str);
  mrb_obj_freeze(mrb, copy);
  return copy;
}

/* A Time from [sec, nsec, offset or nil, zone or nil, zone name or nil], stored as
 * stdlib mrblib/20_time.rb describes (mruby-time's UTC instant and flag, then @__nsec,
 * @__offset, @__zone, @__time_zone), or nil to leave odd parts to Time.__kobako_at and its
 * messages (via Wire.build). */
static mrb_value
time_from_parts(mrb_state *mrb, mrb_value parts)
{
  if (!mrb_array_p(parts) || RARRAY_LEN(parts) != 5) return mrb_nil_value();
  mrb_value sec = RARRAY_PTR(parts)[0], nsec = RARRAY_PTR(parts)[1], offset = RARRAY_PTR(parts)[2];
  mrb_value zone = RARRAY_PTR(parts)[3], time_zone = RARRAY_PTR(parts)[4];
  if (!mrb_integer_p(sec) || !mrb_integer_p(nsec)) return mrb_nil_value();
  mrb_int s = mrb_integer(sec), ns = mrb_integer(nsec);
  /* Well inside what mruby-time holds (its years are 32-bit). */
  if (s < -10000000000000000LL || s > 10000000000000000LL || ns < 0 || ns > 999999999) return mrb_nil_value();
  if (!mrb_nil_p(offset) && (!mrb_integer_p(offset) || mrb_integer(offset) <= -86400 || mrb_integer(offset) >= 86400)) {
    return mrb_nil_value();
  }
  if ((!mrb_nil_p(zone) && !mrb_string_p(zone)) || (!mrb_nil_p(time_zone) && !mrb_string_p(time_zone))) return mrb_nil_value();
  mrb_value t = time_at(mrb, (time_t)s, (time_t)(ns / 1000), KOBAKO_TIMEZONE_UTC);
  if (ns % 1000 != 0) set_ivar(mrb, t, "@__nsec", mrb_int_value(mrb, ns % 1000));
  if (!mrb_nil_p(offset)) {
    set_ivar(mrb, t, "@__offset", offset);
    if (!mrb_nil_p(zone)) set_ivar(mrb, t, "@__zone", frozen_copy(mrb, zone));
  }
  if (!mrb_nil_p(time_zone)) set_ivar(mrb, t, "@__time_zone", frozen_copy(mrb, time_zone));
  return t;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* A Date on a Julian Day Number, as stdlib lib/date.rb's Date#__set_jd keeps one (@jd
 * and its proleptic Gregorian civil date), or nil when the number is out of this range
 * (Wire.build then builds it in Ruby). */
static mrb_value
date_from_jd(mrb_state *mrb, mrb_value jd)
{
  if (!mrb_integer_p(jd)) return mrb_nil_value();
  int64_t j = mrb_integer(jd);
  if (j < -1000000000000LL || j > 1000000000000LL) return mrb_nil_value();
  struct RClass *klass = library_class(mrb, "Date", "date");
  mrb_value date = mrb_obj_value(mrb_obj_alloc(mrb, MRB_TT_OBJECT, klass));
  int64_t a = j + 32044;
  int64_t b = floor_div(4 * a + 3, 146097);
  int64_t c = a - floor_div(146097 * b, 4);
  int64_t dd = floor_div(4 * c + 3, 1461);
  int64_t e = c - floor_div(1461 * dd, 4);
  int64_t m = floor_div(5 * e + 2, 153);
  set_ivar(mrb, date, "@jd", jd);
  set_ivar(mrb, date, "@year", mrb_int_value(mrb, (mrb_int)(100 * b + dd - 4800 + floor_div(m, 10))));
  set_ivar(mrb, date, "@mon", mrb_int_value(mrb, (mrb_int)(m + 3 - 12 * floor_div(m, 10))));
  set_ivar(mrb, date, "@mday", mrb_int_value(mrb, (mrb_int)(e - floor_div(153 * m + 2, 5) + 1)));
  return date;
}

/* A value type beyond JSON's (docs/values.md): its parts are decoded here and the object
 * is built by Kobako::Wire.build (mrblib/wire.rb), which requires the library the type
 * lives in. The nested value sits at the ext's own level of nesting. */
static int
read_wire_value(mrb_state *mrb, struct decoder *d, const struct kobako_token *tok, int depth, mrb_value *out)
{
  mrb_value parts;
  if (tok->integer == KOBAKO_EXT_INTEGER) {
    /* The host writes `-?[0-9a-f]+`. No badcheck: mruby 3.3 checks for trailing garbage from
     * where 64 bits overflowed, not from the end of the digits, and so refuses every
     * bignum. */
    *out = mrb_str_to_integer(mrb, mrb_str_new(mrb, (const char *)tok->ptr, (mrb_int)tok->len), 16, FALSE);
    return 0;
  }
  if (tok->integer == KOBAKO_EXT_BIGDECIMAL) {
    *out = bigdecimal_from_text(mrb, (const char *)tok->ptr, tok->len);
    return 0;
  } else {
    if (depth >= KOBAKO_MAX_DEPTH) return fail(d, "a value nests deeper than 128 levels");
    struct decoder inner = { tok->ptr, tok->len, 0, NULL };
    if (read_value(mrb, &inner, depth, &parts) != 0) return fail(d, inner.error);
    if (inner.pos != inner.len) return fail(d, "trailing bytes inside a value ext");
  }
  if (tok->integer == KOBAKO_EXT_DATE || tok->integer == KOBAKO_EXT_TIME) {
    *out = tok->integer == KOBAKO_EXT_DATE ? date_from_jd(mrb, parts) : time_from_parts(mrb, parts);
    if (!mrb_nil_p(*out)) return 0;
  }
  struct RClass *kobako = mrb_module_get(mrb, "Kobako");
  mrb_value wire = mrb_const_get(mrb, mrb_obj_value(kobako), mrb_intern_lit(mrb, "Wire"));
  *out = mrb_funcall(mrb, wire, "build", 2, mrb_fixnum_value(tok->integer), parts);
  return 0;
}

static int
read_value(mrb_state *mrb, struct decoder *d, int depth, mrb_value *out)
{
  struct kobako_token tok;
  const char *err = kobako_mp_next(d->buf, d->len, &d->pos, &tok);
  if (err) return fail(d, err);

  switch (tok.kind) {
  case KOBAKO_TOKEN_NIL: *out = mrb_nil_value(); return 0;
  case KOBAKO_TOKEN_FALSE: *out = mrb_false_value(); return 0;
  case KOBAKO_TOKEN_TRUE: *out = mrb_true_value(); return 0;
  case KOBAKO_TOKEN_INT: *out = mrb_int_value(mrb, (mrb_int)tok.integer); return 0;
  case KOBAKO_TOKEN_FLOAT: *out = mrb_float_value(mrb, (mrb_float)tok.flt); return 0;
  case KOBAKO_TOKEN_STR:
  case KOBAKO_TOKEN_BIN:
    *out = mrb_str_new(mrb, (const char *)tok.ptr, (mrb_int)tok.len);
    return 0;
  case KOBAKO_TOKEN_ARRAY: {
    if (depth >= KOBAKO_MAX_DEPTH) return fail(d, "a value nests deeper than 128 levels");
    mrb_value ary = mrb_ary_new_capa(mrb, (mrb_int)tok.len);
    *out = ary;
    int ai = mrb_gc_arena_save(mrb);
    for (uint32_t i = 0; i < tok.len; i++) {
      mrb_value item;
      if (read_value(mrb, d, depth + 1, &item) != 0) return 1;
      mrb_ary_push(mrb, ary, item);
      mrb_gc_arena_restore(mrb, ai);
    }
    return 0;
  }
  case KOBAKO_TOKEN_MAP: {
    if (depth >= KOBAKO_MAX_DEPTH) return fail(d, "a value nests deeper than 128 levels");
    mrb_value hash = mrb_hash_new_capa(mrb, (mrb_int)tok.len);
    *out = hash;
    int ai = mrb_gc_arena_save(mrb);
    for (uint32_t i = 0; i < tok.len; i++) {
      mrb_value key, val;
      if (read_value(mrb, d, depth + 1, &key) != 0) return 1;
      mrb_gc_protect(mrb, key);
      if (read_value(mrb, d, depth + 1, &val) != 0) return 1;
      mrb_hash_set(mrb, hash, key, val);
      mrb_gc_arena_restore(mrb, ai);
    }
    return 0;
  }
  case KOBAKO_TOKEN_EXT:
    if (tok.integer == KOBAKO_EXT_SYMBOL) {
      *out = mrb_symbol_value(mrb_intern(mrb, (const char *)tok.ptr, tok.len));
      return 0;
    }
    if (tok.integer == KOBAKO_EXT_HANDLE) {
      const char *bad = kobako_handle_from_wire(mrb, tok.ptr, tok.len, out);
      return bad ? fail(d, bad) : 0;
    }
    if (tok.integer >= KOBAKO_EXT_INTEGER && tok.integer <= KOBAKO_EXT_RECORD) {
      return read_wire_value(mrb, d, &tok, depth, out);
    }
    return fail(d, "an unknown MessagePack ext type");
  default:
    return fail(d, "an unknown token");
  }
}

struct kobako_decoded
kobako_decode(mrb_state *mrb, const uint8_t *buf, size_t len)
{
  struct kobako_decoded r = { mrb_nil_value(), NULL, 0, NULL };
  struct decoder d = { buf, len, 0, NULL };

  /* A fault is one top-level ext value; peek for it before building anything. */
  struct kobako_token tok;
  size_t peek = 0;
  const char *err = kobako_mp_next(buf, len, &peek, &tok);
  if (err) { r.error = err; return r; }
  if (tok.kind == KOBAKO_TOKEN_EXT && tok.integer == KOBAKO_EXT_FAULT) {
    if (peek != len) { r.error = "trailing bytes after the value"; return r; }
    r.fault = tok.ptr;
    r.fault_len = tok.len;
    return r;
  }

  if (read_value(mrb, &d, 0, &r.value) != 0) {
    r.error = d.error;
    r.value = mrb_nil_value();
    return r;
  }
  if (d.pos != len) r.error = "trailing bytes after the value";
  return r;
}
