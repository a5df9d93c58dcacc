/*
 * Encodes a guest value as MessagePack through the Rust writer (contract A-4).
 * No Ruby code runs while encoding: we only read object internals, so a script cannot
 * observe or mutate a value halfway through.
 */
#include <string.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/hash.h>
#include <mruby/string.h>
#include <mruby/range.h>
#include <mruby/class.h>
#include <mruby/variable.h>
#include <mruby/internal.h>
#include "kobako_guest.h"
#include "kobako_encode.h"
#include "kobako_proxy.h"

struct hash_walk {
  kobako_writer *w;
  int depth;
  struct kobako_encode_error *err;
};

static int encode(mrb_state *mrb, mrb_value v, kobako_writer *w, int depth, struct kobako_encode_error *err);

/* Readers patched into mruby-time, mruby-rational and mruby-complex (patches/wire_values.rb). */
int kobako_time_parts(mrb_state *mrb, mrb_value v, int64_t *sec, int64_t *usec, int *utc);
void kobako_rational_parts(mrb_state *mrb, mrb_value v, mrb_int *num, mrb_int *den);
void kobako_complex_parts(mrb_state *mrb, mrb_value v, double *re, double *im);

static int
encode_pair(mrb_state *mrb, mrb_value key, mrb_value val, void *data)
{
  struct hash_walk *walk = data;
  if (encode(mrb, key, walk->w, walk->depth, walk->err) != 0) return 1;
  if (encode(mrb, val, walk->w, walk->depth, walk->err) != 0) return 1;
  return 0;
}

static int
fail(struct kobako_encode_error *err, const char *klass, mrb_value message)
{
  err->klass = klass;
  err->message = message;
  return 1;
}

/* The value types beyond JSON's (docs/values.md). None of them runs a Ruby method: parts
 * are read from C structs and instance variables, as the classes keep them. */

static mrb_value
ivar(mrb_state *mrb, mrb_value obj, const char *name)
{
  return mrb_iv_get(mrb, obj, mrb_intern_cstr(mrb, name));
}

/* Whether `v` is an instance of the top-level class `name` (or a subclass), when the
 * script's libraries defined it. */
static int
instance_of_named(mrb_state *mrb, mrb_value v, const char *name)
{
  if (!mrb_class_defined(mrb, name)) return 0;
  mrb_value c = mrb_const_get(mrb, mrb_obj_value(mrb->object_class), mrb_intern_cstr(mrb, name));
  return mrb_class_p(c) && mrb_obj_is_kind_of(mrb, v, mrb_class_ptr(c));
}

static void
text_ext(kobako_writer *w, int8_t kind, mrb_value text)
{
  size_t mark = kobako_mp_begin_ext(w, kind);
  kobako_mp_raw(w, RSTRING_PTR(text), (size_t)RSTRING_LEN(text));
  kobako_mp_end_ext(w, mark);
}

/* BigDecimal (stdlib lib/bigdecimal.rb): @__special ("NaN", "Infinity", "-Infinity"),
 * else @__mantissa * 10 ** @__exponent, a zero signed by @__negative_zero. */
static int
encode_bigdecimal(mrb_state *mrb, mrb_value v, kobako_writer *w, struct kobako_encode_error *err)
{
  mrb_value special = ivar(mrb, v, "@__special");
  if (mrb_string_p(special)) {
    text_ext(w, KOBAKO_EXT_BIGDECIMAL, special);
    return 0;
  }
  mrb_value mantissa = ivar(mrb, v, "@__mantissa");
  mrb_value exponent = ivar(mrb, v, "@__exponent");
  if (!mrb_integer_p(exponent) || mrb_integer(exponent) >= 1000000000000000000LL ||
      mrb_integer(exponent) <= -1000000000000000000LL) {
    return fail(err, "RangeError", mrb_str_new_lit(mrb, "a BigDecimal's exponent is out of the range a sandbox value can carry"));
  }
  mrb_value text;
  if (mrb_integer_p(mantissa) && mrb_integer(mantissa) == 0) {
    text = mrb_test(ivar(mrb, v, "@__negative_zero")) ? mrb_str_new_lit(mrb, "-0") : mrb_str_new_lit(mrb, "0");
  } else if (mrb_integer_p(mantissa)) {
    text = mrb_format(mrb, "%ie%i", mrb_integer(mantissa), mrb_integer(exponent));
#ifdef MRB_USE_BIGINT
  } else if (mrb_bigint_p(mantissa)) {
    text = mrb_bint_to_s(mrb, mantissa, 10);
    text = mrb_format(mrb, "%ve%i", text, mrb_integer(exponent));
#endif
  } else {
    return fail(err, "TypeError", mrb_str_new_lit(mrb, "a BigDecimal without its digits cannot cross"));
  }
  text_ext(w, KOBAKO_EXT_BIGDECIMAL, text);
  return 0;
}

/* Time: mruby-time's instant and UTC flag, plus the ivars stdlib 20_time.rb keeps:
 * @__nsec (nanoseconds below the microsecond), @__offset (a fixed UTC offset), @__zone
 * (its abbreviation) and @__time_zone (a zone name from the host). A Time that is neither
 * UTC nor at a fixed offset is in the sandbox's local zone, which is UTC. */
static int
encode_time(mrb_state *mrb, mrb_value v, int64_t sec, int64_t usec, int utc, kobako_writer *w)
{
  mrb_value extra = ivar(mrb, v, "@__nsec");
  int64_t nsec = usec * 1000;
  if (mrb_integer_p(extra) && mrb_integer(extra) > 0 && mrb_integer(extra) < 1000) nsec += mrb_integer(extra);
  mrb_value offset = ivar(mrb, v, "@__offset");
  mrb_value zone = ivar(mrb, v, "@__zone");
  mrb_value time_zone = ivar(mrb, v, "@__time_zone");
  size_t mark = kobako_mp_begin_ext(w, KOBAKO_EXT_TIME);
  kobako_mp_array_header(w, 5);
  kobako_mp_int(w, sec);
  kobako_mp_int(w, nsec);
  if (mrb_integer_p(offset)) {
    kobako_mp_int(w, mrb_integer(offset));
  } else if (utc) {
    kobako_mp_nil(w);
    zone = mrb_nil_value();
  } else {
    kobako_mp_int(w, 0);
    if (!mrb_string_p(zone)) zone = mrb_str_new_lit(mrb, "UTC");
  }
  if (mrb_string_p(zone) && RSTRING_LEN(zone) <= 64) kobako_mp_string(w, RSTRING_PTR(zone), (size_t)RSTRING_LEN(zone));
  else kobako_mp_nil(w);
  if (mrb_string_p(time_zone) && RSTRING_LEN(time_zone) <= 64) {
    kobako_mp_string(w, RSTRING_PTR(time_zone), (size_t)RSTRING_LEN(time_zone));
  } else {
    kobako_mp_nil(w);
  }
  kobako_mp_end_ext(w, mark);
  return 0;
}

/* A Struct or Data instance: its kind, its class's name ("" when anonymous), the members
 * (kept on the class or a superclass as __members__) and the values. */
static int
encode_record(mrb_state *mrb, mrb_value v, kobako_writer *w, int depth, struct kobako_encode_error *err)
{
  struct RClass *c = mrb_obj_class(mrb, v);
  mrb_value members = mrb_nil_value();
  for (struct RClass *k = c; k; k = k->super) {
    members = mrb_iv_get(mrb, mrb_obj_value(k), mrb_intern_lit(mrb, "__members__"));
    if (mrb_array_p(members)) break;
  }
  if (!mrb_array_p(members) || RARRAY_LEN(members) != RARRAY_LEN(v)) {
    return fail(err, "TypeError", mrb_str_new_lit(mrb, "a Struct without its members cannot cross"));
  }
  const char *kind = instance_of_named(mrb, v, "Data") ? "Data" : "Struct";
  mrb_value name = mrb_class_path(mrb, c);
  size_t mark = kobako_mp_begin_ext(w, KOBAKO_EXT_RECORD);
  kobako_mp_array_header(w, 4);
  kobako_mp_string(w, kind, strlen(kind));
  if (mrb_string_p(name)) kobako_mp_string(w, RSTRING_PTR(name), (size_t)RSTRING_LEN(name));
  else kobako_mp_string(w, "", 0);
  mrb_int len = RARRAY_LEN(members);
  kobako_mp_array_header(w, (uint32_t)len);
  for (mrb_int i = 0; i < len; i++) {
    if (encode(mrb, RARRAY_PTR(members)[i], w, depth + 1, err) != 0) return 1;
  }
  kobako_mp_array_header(w, (uint32_t)len);
  for (mrb_int i = 0; i < len; i++) {
    if (i >= RARRAY_LEN(v)) return fail(err, "RuntimeError", mrb_str_new_lit(mrb, "struct changed while encoding"));
    if (encode(mrb, RARRAY_PTR(v)[i], w, depth + 1, err) != 0) return 1;
  }
  kobako_mp_end_ext(w, mark);
  return 0;
}

/* Writes the keys of `hash` as an Array (a Set's elements). */
static int
encode_keys(mrb_state *mrb, mrb_value hash, kobako_writer *w, int depth, struct kobako_encode_error *err)
{
  mrb_value keys = mrb_hash_keys(mrb, hash);
  mrb_int len = RARRAY_LEN(keys);
  kobako_mp_array_header(w, (uint32_t)len);
  for (mrb_int i = 0; i < len; i++) {
    if (encode(mrb, RARRAY_PTR(keys)[i], w, depth + 1, err) != 0) return 1;
  }
  return 0;
}

/* Objects of the value types written in Ruby: BigDecimal, Date, Set. 0 when written,
 * 1 on error, -1 when `v` is none of them. */
static int
encode_ruby_value(mrb_state *mrb, mrb_value v, kobako_writer *w, int depth, struct kobako_encode_error *err)
{
  if (instance_of_named(mrb, v, "BigDecimal")) return encode_bigdecimal(mrb, v, w, err);
  if (instance_of_named(mrb, v, "Date")) {
    mrb_value jd = ivar(mrb, v, "@jd");
    if (!mrb_integer_p(jd)) return fail(err, "TypeError", mrb_str_new_lit(mrb, "a Date without its day number cannot cross"));
    size_t mark = kobako_mp_begin_ext(w, KOBAKO_EXT_DATE);
    kobako_mp_int(w, mrb_integer(jd));
    kobako_mp_end_ext(w, mark);
    return 0;
  }
  if (instance_of_named(mrb, v, "Set")) {
    mrb_value hash = ivar(mrb, v, "@hash");
    size_t mark = kobako_mp_begin_ext(w, KOBAKO_EXT_SET);
    if (mrb_hash_p(hash)) {
      if (encode_keys(mrb, hash, w, depth, err) != 0) return 1;
    } else {
      kobako_mp_array_header(w, 0);
    }
    kobako_mp_end_ext(w, mark);
    return 0;
  }
  return -1;
}

static int
encode(mrb_state *mrb, mrb_value v, kobako_writer *w, int depth, struct kobako_encode_error *err)
{
  switch (mrb_type(v)) {
  case MRB_TT_FALSE:
    if (mrb_nil_p(v)) kobako_mp_nil(w); else kobako_mp_bool(w, 0);
    return 0;
  case MRB_TT_TRUE:
    kobako_mp_bool(w, 1);
    return 0;
  case MRB_TT_INTEGER:
    kobako_mp_int(w, (int64_t)mrb_integer(v));
    return 0;
  case MRB_TT_FLOAT:
    kobako_mp_float(w, (double)mrb_float(v));
    return 0;
  case MRB_TT_SYMBOL: {
    mrb_int len;
    const char *name = mrb_sym_name_len(mrb, mrb_symbol(v), &len);
    kobako_mp_symbol(w, name, (size_t)len);
    return 0;
  }
  case MRB_TT_STRING:
    kobako_mp_string(w, RSTRING_PTR(v), (size_t)RSTRING_LEN(v));
    return 0;
  case MRB_TT_ARRAY: {
    if (depth >= KOBAKO_MAX_DEPTH) goto too_deep;
    mrb_int len = RARRAY_LEN(v);
    kobako_mp_array_header(w, (uint32_t)len);
    for (mrb_int i = 0; i < len; i++) {
      /* Re-read the pointer each time: nothing should resize it, but never trust it. */
      if (i >= RARRAY_LEN(v)) return fail(err, "RuntimeError", mrb_str_new_lit(mrb, "array changed while encoding"));
      if (encode(mrb, RARRAY_PTR(v)[i], w, depth + 1, err) != 0) return 1;
    }
    return 0;
  }
  case MRB_TT_HASH: {
    if (depth >= KOBAKO_MAX_DEPTH) goto too_deep;
    struct hash_walk walk = { w, depth + 1, err };
    kobako_mp_map_header(w, (uint32_t)mrb_hash_size(mrb, v));
    err->klass = NULL;
    mrb_hash_foreach(mrb, mrb_hash_ptr(v), encode_pair, &walk);
    return err->klass ? 1 : 0;
  }
#ifdef MRB_USE_BIGINT
  case MRB_TT_BIGINT:
    /* Hexadecimal, as the host writes it (linear to convert on both sides). */
    text_ext(w, KOBAKO_EXT_INTEGER, mrb_bint_to_s(mrb, v, 16));
    return 0;
#endif
  case MRB_TT_RATIONAL: {
    mrb_int num, den;
    kobako_rational_parts(mrb, v, &num, &den);
    size_t mark = kobako_mp_begin_ext(w, KOBAKO_EXT_RATIONAL);
    kobako_mp_array_header(w, 2);
    kobako_mp_int(w, (int64_t)num);
    kobako_mp_int(w, (int64_t)den);
    kobako_mp_end_ext(w, mark);
    return 0;
  }
  case MRB_TT_COMPLEX: {
    double re, im;
    kobako_complex_parts(mrb, v, &re, &im);
    size_t mark = kobako_mp_begin_ext(w, KOBAKO_EXT_COMPLEX);
    kobako_mp_array_header(w, 2);
    kobako_mp_float(w, re);
    kobako_mp_float(w, im);
    kobako_mp_end_ext(w, mark);
    return 0;
  }
  case MRB_TT_RANGE: {
    if (depth >= KOBAKO_MAX_DEPTH) goto too_deep;
    struct RRange *r = mrb_range_ptr(mrb, v);
    mrb_value beg = RANGE_BEG(r), end = RANGE_END(r);
    int excl = RANGE_EXCL(r) ? 1 : 0;
    size_t mark = kobako_mp_begin_ext(w, KOBAKO_EXT_RANGE);
    kobako_mp_array_header(w, 3);
    if (encode(mrb, beg, w, depth + 1, err) != 0) return 1;
    if (encode(mrb, end, w, depth + 1, err) != 0) return 1;
    kobako_mp_bool(w, excl);
    kobako_mp_end_ext(w, mark);
    return 0;
  }
  case MRB_TT_STRUCT:
    if (depth >= KOBAKO_MAX_DEPTH) goto too_deep;
    return encode_record(mrb, v, w, depth, err);
  case MRB_TT_OBJECT: {
    if (depth >= KOBAKO_MAX_DEPTH) goto too_deep;
    int done = encode_ruby_value(mrb, v, w, depth, err);
    if (done >= 0) return done;
    break;
  }
  case MRB_TT_CDATA: {
    int64_t sec, usec;
    int utc;
    if (kobako_time_parts(mrb, v, &sec, &usec, &utc)) return encode_time(mrb, v, sec, usec, utc, w);
    uint32_t id = 0;
    switch (kobako_proxy_kind(mrb, v, &id)) {
    case KOBAKO_PROXY_HANDLE:
      kobako_mp_handle(w, id);
      return 0;
    case KOBAKO_PROXY_SERVICE:
      return fail(err, "TypeError",
                  mrb_format(mrb, "the Service %v cannot be passed as a value", kobako_service_path(mrb, id)));
    default:
      break;
    }
  }
  /* fall through */
  default:
    break;
  }
  return fail(err, "TypeError", mrb_format(mrb, "%s is not a supported sandbox value type", mrb_obj_classname(mrb, v)));

too_deep:
  return fail(err, "RangeError",
              mrb_format(mrb, "value nests deeper than %d levels (or contains a cycle)", KOBAKO_MAX_DEPTH));
}

int
kobako_encode_value(mrb_state *mrb, mrb_value v, kobako_writer *w, struct kobako_encode_error *err)
{
  err->klass = NULL;
  err->message = mrb_nil_value();
  return encode(mrb, v, w, 0, err);
}
