/*
 * Builds mruby values from MessagePack the host sent (Service results, block arguments,
 * the preamble). The Rust reader does the bounds checks; this file maps tokens to values
 * and enforces depth and shape.
 */
#include <string.h>
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
    parts = mrb_str_new(mrb, (const char *)tok->ptr, (mrb_int)tok->len);
  } else {
    if (depth >= KOBAKO_MAX_DEPTH) return fail(d, "a value nests deeper than 128 levels");
    struct decoder inner = { tok->ptr, tok->len, 0, NULL };
    if (read_value(mrb, &inner, depth, &parts) != 0) return fail(d, inner.error);
    if (inner.pos != inner.len) return fail(d, "trailing bytes inside a value ext");
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
