/* The run entry point (contract P-2): in a prepared interpreter, call the top-level
 * constant the run envelope [name, args, kwargs] names, which the snippets must define. */
#include <string.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/error.h>
#include <mruby/hash.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include "kobako_guest.h"
#include "kobako_decode.h"
#include "kobako_load.h"
#include "kobako_outcome.h"

struct run_call {
  const uint8_t *envelope;
  size_t envelope_len;
  mrb_value before;       /* top-level constants from before the snippets ran, or nil */
  kobako_writer *w;
  mrb_bool written;       /* the outcome was already written (a refusal or a bad envelope) */
};

/* Whether `sym` is in `list`; with no snippets (nil) every constant predates them. */
static mrb_bool
includes(mrb_value list, mrb_sym sym)
{
  if (mrb_nil_p(list)) return TRUE;
  for (mrb_int i = 0; i < RARRAY_LEN(list); i++) {
    if (mrb_symbol(RARRAY_PTR(list)[i]) == sym) return TRUE;
  }
  return FALSE;
}

/* The constants the snippets defined, sorted by name so the host sees a stable list.
 * Names are compared as Strings: mrb_sym_name may share one buffer between short symbols. */
static mrb_value
snippet_constants(mrb_state *mrb, mrb_value before)
{
  mrb_value now = kobako_top_constants(mrb, NULL);
  mrb_value defined = mrb_ary_new(mrb);
  mrb_value names = mrb_ary_new(mrb);
  for (mrb_int i = 0; i < RARRAY_LEN(now); i++) {
    mrb_sym sym = mrb_symbol(RARRAY_PTR(now)[i]);
    if (includes(before, sym)) continue;
    mrb_value name = mrb_sym_str(mrb, sym);
    mrb_int j = RARRAY_LEN(defined);
    mrb_ary_push(mrb, defined, mrb_nil_value());
    mrb_ary_push(mrb, names, mrb_nil_value());
    for (; j > 0 && mrb_str_cmp(mrb, RARRAY_PTR(names)[j - 1], name) > 0; j--) {
      mrb_ary_set(mrb, defined, j, RARRAY_PTR(defined)[j - 1]);
      mrb_ary_set(mrb, names, j, RARRAY_PTR(names)[j - 1]);
    }
    mrb_ary_set(mrb, defined, j, mrb_symbol_value(sym));
    mrb_ary_set(mrb, names, j, name);
  }
  return defined;
}

static mrb_bool
constant_name_p(mrb_value name)
{
  const char *p = RSTRING_PTR(name);
  mrb_int len = RSTRING_LEN(name);
  if (len == 0 || len > 255 || p[0] < 'A' || p[0] > 'Z') return FALSE;
  for (mrb_int i = 1; i < len; i++) {
    char c = p[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return FALSE;
  }
  return TRUE;
}

static mrb_value
undefined_entrypoint(mrb_state *mrb, struct run_call *call, mrb_value name)
{
  mrb_value available = snippet_constants(mrb, call->before);
  mrb_value msg;
  if (RARRAY_LEN(available) == 0) {
    msg = mrb_format(mrb, "no entrypoint named %v: the preloaded snippets define no top-level constants", name);
  }
  else {
    mrb_value names = mrb_ary_join(mrb, available, mrb_str_new_lit(mrb, ", "));
    msg = mrb_format(mrb, "no entrypoint named %v: the preloaded snippets define %v", name, names);
  }
  mrb_value details = mrb_hash_new(mrb);
  mrb_hash_set(mrb, details, mrb_str_new_lit(mrb, "name"), name);
  mrb_hash_set(mrb, details, mrb_str_new_lit(mrb, "available"), available);
  kobako_write_refusal(mrb, "Kobako::UndefinedEntrypointError", msg, details, call->w);
  call->written = TRUE;
  return mrb_nil_value();
}

static mrb_value
bad_envelope(struct run_call *call, const char *why)
{
  char msg[200];
  snprintf(msg, sizeof msg, "the run envelope is malformed: %s", why);
  kobako_write_error(call->w, "sandbox", "Kobako::WireError", msg);
  call->written = TRUE;
  return mrb_nil_value();
}

/* Decodes the envelope, resolves the entrypoint and calls it. Runs under mrb_protect_error:
 * whatever the entrypoint raises becomes the outcome. */
static mrb_value
call_entrypoint(mrb_state *mrb, void *data)
{
  struct run_call *call = data;
  struct kobako_decoded d = kobako_decode(mrb, call->envelope, call->envelope_len);
  if (d.error) return bad_envelope(call, d.error);
  mrb_value env = d.value;
  if (d.fault || !mrb_array_p(env) || RARRAY_LEN(env) != 3) return bad_envelope(call, "not [name, args, kwargs]");
  mrb_value name = RARRAY_PTR(env)[0], args = RARRAY_PTR(env)[1], kwargs = RARRAY_PTR(env)[2];
  if (!mrb_string_p(name) || !constant_name_p(name)) return bad_envelope(call, "the name is not a constant name");
  if (!mrb_array_p(args) || !mrb_hash_p(kwargs)) return bad_envelope(call, "bad args or kwargs");

  mrb_sym sym = mrb_intern_str(mrb, name);
  mrb_value object = mrb_obj_value(mrb->object_class);
  if (includes(call->before, sym) || !mrb_const_defined_at(mrb, object, sym)) {
    return undefined_entrypoint(mrb, call, name);
  }
  mrb_value target = mrb_const_get(mrb, object, sym);
  if (!mrb_respond_to(mrb, target, mrb_intern_lit(mrb, "call"))) {
    mrb_value msg = mrb_format(mrb, "entrypoint %v is %C, which does not respond to #call", name,
                               mrb_obj_class(mrb, target));
    kobako_write_error(call->w, "sandbox", "NoMethodError", RSTRING_CSTR(mrb, msg));
    call->written = TRUE;
    return mrb_nil_value();
  }
  struct RClass *kobako = mrb_module_get(mrb, "Kobako");
  return mrb_funcall_id(mrb, mrb_obj_value(kobako), mrb_intern_lit(mrb, "__run_entrypoint"), 3,
                        target, args, kwargs);
}

void
kobako_run(mrb_state *mrb, const uint8_t *envelope, size_t envelope_len, kobako_writer *w)
{
  int ai = mrb_gc_arena_save(mrb);
  struct run_call call = { envelope, envelope_len, kobako_constants_before_snippets(), w, FALSE };
  mrb_bool failed = FALSE;
  mrb_value v = mrb_protect_error(mrb, call_entrypoint, &call, &failed);
  if (failed) kobako_write_exception(mrb, v, NULL, w);
  else if (!call.written) kobako_write_value(mrb, v, w);
  mrb_gc_arena_restore(mrb, ai);
}
