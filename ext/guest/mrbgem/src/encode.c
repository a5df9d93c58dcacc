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
  case MRB_TT_BIGINT: {
    mrb_value digits = mrb_bint_to_s(mrb, v, 10);
    if (RSTRING_LEN(digits) > 40) {
      digits = mrb_str_new(mrb, RSTRING_PTR(digits), 40);
      mrb_str_cat_lit(mrb, digits, "...");
    }
    return fail(err, "RangeError",
                mrb_format(mrb, "integer %v is out of the 64-bit range a sandbox value can carry", digits));
  }
#endif
  case MRB_TT_CDATA: {
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
    return fail(err, "TypeError",
                mrb_format(mrb, "%s is not a supported sandbox value type", mrb_obj_classname(mrb, v)));
  }

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
