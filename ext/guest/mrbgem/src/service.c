/*
 * Calls from the script to host Services (contract S-2..S-4, H-1..H-3, Y-1):
 *   - installs the Service constants the preamble lists (KV::Lookup, ...);
 *   - Kobako.__call_host: encodes a request, crosses env.__kobako_dispatch, decodes the
 *     response and returns the value or raises what the response says;
 *   - kobako_yield: runs a script block when the host Service yields to it.
 *
 * Wire (MessagePack, see docs/architecture.md):
 *   request   [target, method, args, kwargs, block]   target: "Ns::Member" or Handle ext;
 *             block: 0, or the serial of the block the call carries
 *   response  value | fault ext {"kind" => "error"|"reraise"|"break", "message" => ..., "id" => n}
 *   yield     [block, args, kwargs] -> value | fault ext {"kind" => "raise"|"break", ...}
 */
#include <string.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/class.h>
#include <mruby/error.h>
#include <mruby/hash.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include <mruby/presym.h>
#include "kobako_guest.h"
#include "kobako_encode.h"
#include "kobako_decode.h"
#include "kobako_proxy.h"

/* How deep Service calls may nest through blocks (each level costs host stack). */
#define KOBAKO_MAX_NESTING 32

/* Installed Service paths ("Ns::Member") and their declared methods ({Symbol => true}),
 * indexed by proxy number. GC-registered. */
static mrb_value services;
static mrb_value service_methods;

/* One entry per Service call in progress: the block it carries and, after the block
 * raised or broke out, the exception or break object waiting to be re-raised. The
 * values live in `frame_values` (GC-registered) at [2*i] and [2*i+1]. */
static uint32_t frame_serial[KOBAKO_MAX_NESTING];
static int frame_depth;
static uint32_t last_serial;
static mrb_value frame_values;

/* The exception a failed Service call raises in the script: an instance of a standard
 * class that is also a Kobako::ServiceError, built by Kobako.__service_error
 * (mrblib/service_error.rb) from the class name, message, call and host class name. */
static mrb_value
service_error(mrb_state *mrb, const char *klass, mrb_value message, mrb_value service, mrb_value service_class)
{
  mrb_value argv[4] = { mrb_str_new_cstr(mrb, klass), message, service, service_class };
  struct RClass *kobako = mrb_module_get(mrb, "Kobako");
  return mrb_funcall_argv(mrb, mrb_obj_value(kobako), mrb_intern_lit(mrb, "__service_error"), 4, argv);
}

static mrb_value
fault_field(mrb_state *mrb, mrb_value fault, const char *name)
{
  return mrb_hash_p(fault) ? mrb_hash_get(mrb, fault, mrb_str_new_cstr(mrb, name)) : mrb_nil_value();
}

mrb_value
kobako_service_path(mrb_state *mrb, uint32_t index)
{
  if (mrb_array_p(services) && index < (uint32_t)RARRAY_LEN(services)) {
    return RARRAY_PTR(services)[index];
  }
  return mrb_str_new_lit(mrb, "(unknown Service)");
}

/* This invocation's slots frame (see kobako_fill_slots), read the first time the methods
 * of a slot are asked for: most scripts never touch a slot, and reading it allocates.
 * Points into the input buffer, which outlives the script's run; cleared when it ends. */
static const uint8_t *pending_slots;
static size_t pending_slots_len;

void
kobako_defer_slots(const uint8_t *frame, size_t len)
{
  pending_slots = frame;
  pending_slots_len = len;
}

mrb_value
kobako_service_methods(mrb_state *mrb, uint32_t index)
{
  if (!mrb_array_p(service_methods) || index >= (uint32_t)RARRAY_LEN(service_methods)) return mrb_nil_value();
  if (pending_slots && mrb_nil_p(RARRAY_PTR(service_methods)[index])) {
    const uint8_t *frame = pending_slots;
    pending_slots = NULL;
    kobako_fill_slots(mrb, frame, pending_slots_len);
  }
  return RARRAY_PTR(service_methods)[index];
}

/* --- installing the preamble ------------------------------------------------------- */

/* The module a Service path's parent names ("" is Object), created with its parents when
 * missing. The host refuses paths under the guest's own constants, so a constant that is
 * already there and not a module means a malformed preamble. */
static struct RClass *
namespace_module(mrb_state *mrb, const char *path, mrb_int len)
{
  struct RClass *mod = mrb->object_class;
  mrb_int start = 0;
  while (start < len) {
    mrb_int stop = start;
    while (stop < len && !(path[stop] == ':' && stop + 1 < len && path[stop + 1] == ':')) stop++;
    mrb_sym sym = mrb_intern(mrb, path + start, (size_t)(stop - start));
    if (mrb_const_defined_at(mrb, mrb_obj_value(mod), sym)) {
      mrb_value existing = mrb_const_get(mrb, mrb_obj_value(mod), sym);
      if (mrb_type(existing) != MRB_TT_MODULE && mrb_type(existing) != MRB_TT_CLASS) {
        mrb_raisef(mrb, E_TYPE_ERROR, "cannot define Service namespace %s: it is already a %s constant in the sandbox",
                   mrb_str_to_cstr(mrb, mrb_str_new(mrb, path, stop)), mrb_obj_classname(mrb, existing));
      }
      mod = mrb_class_ptr(existing);
    }
    else {
      mod = mrb_define_module_under_id(mrb, mod, sym);
    }
    start = stop + 2;
  }
  return mod;
}

/* {Symbol => true} for a list of method names; nil stays nil (a slot whose methods each
 * invocation's object decides). */
static mrb_value
method_set(mrb_state *mrb, mrb_value names)
{
  if (mrb_nil_p(names)) return names;
  if (!mrb_array_p(names)) {
    mrb_raise(mrb, E_RUNTIME_ERROR, "the Service list from the host is malformed (bad method list)");
  }
  mrb_value set = mrb_hash_new_capa(mrb, (mrb_int)RARRAY_LEN(names));
  for (mrb_int i = 0; i < RARRAY_LEN(names); i++) {
    mrb_value name = RARRAY_PTR(names)[i];
    if (!mrb_string_p(name)) {
      mrb_raise(mrb, E_RUNTIME_ERROR, "the Service list from the host is malformed (bad method name)");
    }
    mrb_hash_set(mrb, set, mrb_symbol_value(mrb_intern_str(mrb, name)), mrb_true_value());
  }
  return set;
}

/* Where the last "::" of a path starts, or -1 for a top-level name. */
static mrb_int
last_separator(const char *path, mrb_int len)
{
  for (mrb_int i = len - 2; i >= 0; i--) {
    if (path[i] == ':' && path[i + 1] == ':') return i;
  }
  return -1;
}

static mrb_bool
strings_p(mrb_value list)
{
  if (!mrb_array_p(list)) return FALSE;
  for (mrb_int i = 0; i < RARRAY_LEN(list); i++) {
    if (!mrb_string_p(RARRAY_PTR(list)[i])) return FALSE;
  }
  return TRUE;
}

/* The preamble is [namespaces, services]: namespaces a list of paths ("Billing",
 * "Billing::Tax") that become modules, services a list of [path, methods] whose path
 * ("KV::Lookup", "Orders") becomes a constant holding a Service proxy. methods is the list
 * of declared names, or nil for a slot filled per invocation. An empty list means no
 * Services. Raises on a malformed preamble. */
void
kobako_install_services(mrb_state *mrb, const uint8_t *preamble, size_t len)
{
  struct kobako_decoded d = kobako_decode(mrb, preamble, len);
  if (!d.error && !d.fault && mrb_array_p(d.value) && RARRAY_LEN(d.value) == 0) return; /* no Services */
  if (d.error || d.fault || !mrb_array_p(d.value) || RARRAY_LEN(d.value) != 2 ||
      !strings_p(RARRAY_PTR(d.value)[0]) || !mrb_array_p(RARRAY_PTR(d.value)[1])) {
    mrb_raisef(mrb, E_RUNTIME_ERROR, "the Service list from the host is malformed (%s)",
               d.error ? d.error : "not [namespaces, services]");
  }
  mrb_value namespaces = RARRAY_PTR(d.value)[0];
  mrb_value list = RARRAY_PTR(d.value)[1];
  for (mrb_int i = 0; i < RARRAY_LEN(namespaces); i++) {
    mrb_value ns = RARRAY_PTR(namespaces)[i];
    namespace_module(mrb, RSTRING_PTR(ns), RSTRING_LEN(ns));
  }
  for (mrb_int i = 0; i < RARRAY_LEN(list); i++) {
    mrb_value entry = RARRAY_PTR(list)[i];
    if (!mrb_array_p(entry) || RARRAY_LEN(entry) != 2 || !mrb_string_p(RARRAY_PTR(entry)[0]) ||
        RSTRING_LEN(RARRAY_PTR(entry)[0]) == 0) {
      mrb_raise(mrb, E_RUNTIME_ERROR, "the Service list from the host is malformed (bad service entry)");
    }
    mrb_value path = RARRAY_PTR(entry)[0];
    const char *p = RSTRING_PTR(path);
    mrb_int plen = RSTRING_LEN(path);
    mrb_int sep = last_separator(p, plen);
    struct RClass *mod = sep < 0 ? mrb->object_class : namespace_module(mrb, p, sep);
    const char *member = sep < 0 ? p : p + sep + 2;
    mrb_int member_len = sep < 0 ? plen : plen - sep - 2;
    if (member_len == 0) {
      mrb_raise(mrb, E_RUNTIME_ERROR, "the Service list from the host is malformed (empty member name)");
    }
    uint32_t index = (uint32_t)RARRAY_LEN(services);
    mrb_ary_push(mrb, services, mrb_str_dup(mrb, path));
    mrb_ary_push(mrb, service_methods, method_set(mrb, RARRAY_PTR(entry)[1]));
    mrb_const_set(mrb, mrb_obj_value(mod), mrb_intern(mrb, member, (size_t)member_len),
                  kobako_service_proxy_new(mrb, index));
  }
}

/* This invocation's slot fillings: [[index, methods], ...], each giving the declared
 * methods of the object filling slot `index` (a Service installed with nil methods).
 * Read after preparing, so it never changes a prepared image. Raises on a malformed
 * frame. */
void
kobako_fill_slots(mrb_state *mrb, const uint8_t *frame, size_t len)
{
  struct kobako_decoded d = kobako_decode(mrb, frame, len);
  if (d.error || d.fault || !mrb_array_p(d.value)) {
    mrb_raisef(mrb, E_RUNTIME_ERROR, "the slots frame from the host is malformed (%s)",
               d.error ? d.error : "not a list");
  }
  mrb_value list = d.value;
  for (mrb_int i = 0; i < RARRAY_LEN(list); i++) {
    mrb_value entry = RARRAY_PTR(list)[i];
    if (!mrb_array_p(entry) || RARRAY_LEN(entry) != 2 || !mrb_integer_p(RARRAY_PTR(entry)[0]) ||
        !mrb_array_p(RARRAY_PTR(entry)[1])) {
      mrb_raise(mrb, E_RUNTIME_ERROR, "the slots frame from the host is malformed (bad entry)");
    }
    mrb_int index = mrb_integer(RARRAY_PTR(entry)[0]);
    if (index < 0 || index >= RARRAY_LEN(service_methods) || !mrb_nil_p(RARRAY_PTR(service_methods)[index])) {
      mrb_raise(mrb, E_RUNTIME_ERROR, "the slots frame from the host names a Service that is not a slot");
    }
    mrb_ary_set(mrb, service_methods, index, method_set(mrb, RARRAY_PTR(entry)[1]));
  }
}

/* --- calling the host -------------------------------------------------------------- */

static void
encode_or_raise(mrb_state *mrb, mrb_value v, kobako_writer *w, mrb_value target, mrb_sym name, const char *what)
{
  struct kobako_encode_error err;
  if (kobako_encode_value(mrb, v, w, &err) == 0) return;
  mrb_raisef(mrb, mrb_class_get(mrb, err.klass), "%s of %v.%n cannot cross to the host: %v",
             what, target, name, err.message);
}

/* Reads a fault payload: a Hash with "kind", "message", "id" and, for "error", "class",
 * "service" and "service_class" (nil when it is not a Hash). */
static mrb_value
read_fault(mrb_state *mrb, const uint8_t *ptr, size_t len)
{
  struct kobako_decoded d = kobako_decode(mrb, ptr, len);
  if (d.error || d.fault || !mrb_hash_p(d.value)) return mrb_nil_value();
  return d.value;
}

static int
str_is(mrb_value v, const char *s)
{
  return mrb_string_p(v) && (size_t)RSTRING_LEN(v) == strlen(s) && memcmp(RSTRING_PTR(v), s, strlen(s)) == 0;
}

/* What the host answered, read while the response buffer is still alive. */
struct response {
  const uint8_t *ptr;
  size_t len;
  mrb_value value;
  mrb_value fault;
  const char *error;
  int is_fault;
};

static mrb_value
read_response(mrb_state *mrb, void *data)
{
  struct response *r = data;
  struct kobako_decoded d = kobako_decode(mrb, r->ptr, r->len);
  r->error = d.error;
  r->value = d.value;
  if (d.fault) {
    r->is_fault = 1;
    r->fault = read_fault(mrb, d.fault, d.fault_len);
  }
  return mrb_nil_value();
}

/* Pops the innermost call frame and returns what its block left pending. */
static mrb_value
pop_frame(mrb_state *mrb)
{
  int slot = --frame_depth;
  mrb_value pending = mrb_ary_ref(mrb, frame_values, 2 * slot + 1);
  mrb_ary_set(mrb, frame_values, 2 * slot, mrb_nil_value());
  mrb_ary_set(mrb, frame_values, 2 * slot + 1, mrb_nil_value());
  frame_serial[slot] = 0;
  mrb_gc_protect(mrb, pending);
  return pending;
}

/* Kobako.__call_host(proxy, name, args, kwargs, block): the one way out of the sandbox.
 * Called by the proxies' method_missing (mrblib/proxy.rb). */
static mrb_value
call_host(mrb_state *mrb, mrb_value self)
{
  mrb_value proxy, args, kwargs, blk;
  mrb_sym name;
  mrb_get_args(mrb, "onAHo", &proxy, &name, &args, &kwargs, &blk);

  uint32_t id = 0;
  enum kobako_proxy_kind kind = kobako_proxy_kind(mrb, proxy, &id);
  if (kind == KOBAKO_PROXY_NONE) {
    mrb_raise(mrb, E_TYPE_ERROR, "only a Kobako::Service or Kobako::Handle issued by the runtime can call the host");
  }
  if (!mrb_nil_p(blk) && !mrb_proc_p(blk)) mrb_raise(mrb, E_TYPE_ERROR, "the block must be a Proc");
  mrb_value target = kobako_proxy_label(mrb, proxy);
  mrb_int name_len;
  const char *name_ptr = mrb_sym_name_len(mrb, name, &name_len);
  /* The host decides; refusing an undeclared name here only saves the round trip. */
  mrb_value declared = kobako_proxy_methods(mrb, proxy);
  if (mrb_hash_p(declared) && !mrb_hash_key_p(mrb, declared, mrb_symbol_value(name))) {
    mrb_value msg = mrb_format(mrb, "%v.%n is not callable from the sandbox", target, name);
    mrb_value exc = service_error(mrb, "NoMethodError", msg, mrb_nil_value(), mrb_nil_value());
    mrb_value refused[2] = { mrb_symbol_value(name), mrb_hash_keys(mrb, declared) };
    mrb_funcall_argv(mrb, exc, mrb_intern_lit(mrb, "__kobako_refused"), 2, refused);
    /* fault 0: refused here, so the host's unrescued error is a ServiceRefusedError */
    mrb_iv_set(mrb, exc, mrb_intern_lit(mrb, KOBAKO_FAULT_IVAR), mrb_fixnum_value(0));
    mrb_exc_raise(mrb, exc);
  }
  if (frame_depth >= KOBAKO_MAX_NESTING) {
    mrb_value msg = mrb_format(mrb, "Service calls nest deeper than %d levels", KOBAKO_MAX_NESTING);
    mrb_exc_raise(mrb, service_error(mrb, "RuntimeError", msg, mrb_nil_value(), mrb_nil_value()));
  }

  kobako_writer *w = kobako_wire_writer();
  kobako_mp_array_header(w, 5);
  if (kind == KOBAKO_PROXY_SERVICE) {
    mrb_value path = kobako_service_path(mrb, id);
    kobako_mp_string(w, RSTRING_PTR(path), (size_t)RSTRING_LEN(path));
  }
  else {
    kobako_mp_handle(w, id);
  }
  kobako_mp_string(w, name_ptr, (size_t)name_len);
  encode_or_raise(mrb, args, w, target, name, "an argument");
  encode_or_raise(mrb, kwargs, w, target, name, "a keyword argument");
  uint32_t serial = mrb_nil_p(blk) ? 0 : ++last_serial;
  kobako_mp_int(w, serial);

  int slot = frame_depth++;
  frame_serial[slot] = serial;
  mrb_ary_set(mrb, frame_values, 2 * slot, blk);
  mrb_ary_set(mrb, frame_values, 2 * slot + 1, mrb_nil_value());

  struct response r;
  memset(&r, 0, sizeof(r));
  r.value = r.fault = mrb_nil_value();
  kobako_host_send(w, &r.ptr, &r.len);

  mrb_bool failed = FALSE;
  mrb_value exc = mrb_protect_error(mrb, read_response, &r, &failed);
  kobako_free(r.ptr, r.len);
  mrb_value pending = pop_frame(mrb);

  if (failed) mrb_exc_raise(mrb, exc);
  if (r.error) mrb_raisef(mrb, E_RUNTIME_ERROR, "the host sent a malformed response (%s)", r.error);
  if (!r.is_fault) return r.value;

  mrb_value fkind = fault_field(mrb, r.fault, "kind");
  if (str_is(fkind, "reraise") && mrb_type(pending) == MRB_TT_EXCEPTION) mrb_exc_raise(mrb, pending);
  if (str_is(fkind, "break") && mrb_break_p(pending)) mrb_exc_raise(mrb, pending);
  if (str_is(fkind, "error")) {
    mrb_value klass = fault_field(mrb, r.fault, "class");
    mrb_value exc = service_error(mrb, mrb_string_p(klass) ? mrb_str_to_cstr(mrb, klass) : "RuntimeError",
                                  fault_field(mrb, r.fault, "message"), fault_field(mrb, r.fault, "service"),
                                  fault_field(mrb, r.fault, "service_class"));
    mrb_value id = fault_field(mrb, r.fault, "id");
    if (mrb_integer_p(id)) mrb_iv_set(mrb, exc, mrb_intern_lit(mrb, KOBAKO_FAULT_IVAR), id);
    mrb_exc_raise(mrb, exc);
  }
  mrb_raisef(mrb, E_RUNTIME_ERROR, "the host sent a fault this guest does not understand for %v.%n", target, name);
  return mrb_nil_value(); /* not reached */
}

/* --- running blocks for the host --------------------------------------------------- */

struct yield_call {
  const uint8_t *ptr;
  size_t len;
  int slot;          /* frame of the block, once found */
  const char *error; /* a malformed request */
};

static mrb_value
run_block(mrb_state *mrb, void *data)
{
  struct yield_call *y = data;
  struct kobako_decoded d = kobako_decode(mrb, y->ptr, y->len);
  if (d.error || d.fault || !mrb_array_p(d.value) || RARRAY_LEN(d.value) != 3) {
    y->error = d.error ? d.error : "a block call must be [block, args, kwargs]";
    return mrb_nil_value();
  }
  mrb_value serial = RARRAY_PTR(d.value)[0];
  mrb_value args = RARRAY_PTR(d.value)[1];
  mrb_value kwargs = RARRAY_PTR(d.value)[2];
  if (!mrb_integer_p(serial) || !mrb_array_p(args) || !mrb_hash_p(kwargs)) {
    y->error = "a block call must be [Integer, Array, Hash]";
    return mrb_nil_value();
  }
  for (int slot = frame_depth - 1; slot >= 0; slot--) {
    if (frame_serial[slot] != 0 && (mrb_int)frame_serial[slot] == mrb_integer(serial)) {
      y->slot = slot;
      break;
    }
  }
  if (y->slot < 0) {
    y->error = "the block is not part of a Service call in progress";
    return mrb_nil_value();
  }
  mrb_value blk = mrb_ary_ref(mrb, frame_values, 2 * y->slot);
  if (mrb_hash_size(mrb, kwargs) == 0) {
    return mrb_yield_argv(mrb, blk, RARRAY_LEN(args), RARRAY_PTR(args));
  }
  mrb_value argv[3] = { blk, args, kwargs };
  return mrb_funcall_argv(mrb, mrb_obj_value(mrb_module_get(mrb, "Kobako")), mrb_intern_lit(mrb, "__call_block"), 3, argv);
}

static void
write_fault(mrb_state *mrb, kobako_writer *w, const char *kind, const char *klass, mrb_value message)
{
  kobako_mp_truncate(w, 0);
  kobako_mp_map_header(w, klass ? 3 : 2);
  kobako_mp_string(w, "kind", 4);
  kobako_mp_string(w, kind, strlen(kind));
  kobako_mp_string(w, "message", 7);
  if (mrb_string_p(message)) kobako_mp_string(w, RSTRING_PTR(message), (size_t)RSTRING_LEN(message));
  else kobako_mp_string(w, "", 0);
  if (klass) {
    kobako_mp_string(w, "class", 5);
    kobako_mp_string(w, klass, strlen(klass));
  }
  kobako_mp_wrap_ext(w, 0, KOBAKO_EXT_FAULT);
}

static mrb_value
exception_message(mrb_state *mrb, void *exc)
{
  return mrb_funcall_id(mrb, *(mrb_value *)exc, MRB_SYM(message), 0);
}

/* Remembers what the block raised (or its break) so the Service call can re-raise it,
 * and tells the host. */
static void
block_failed(mrb_state *mrb, struct yield_call *y, mrb_value exc, kobako_writer *w)
{
  mrb_ary_set(mrb, frame_values, 2 * y->slot + 1, exc);
  if (mrb_break_p(exc)) {
    write_fault(mrb, w, "break", NULL, mrb_nil_value());
    return;
  }
  mrb_bool failed = FALSE;
  mrb_value msg = mrb_protect_error(mrb, exception_message, &exc, &failed);
  if (failed || !mrb_string_p(msg)) msg = mrb_str_new_lit(mrb, "(the exception's #message could not be computed)");
  write_fault(mrb, w, "raise", mrb_obj_classname(mrb, exc), msg);
}

void
kobako_yield(mrb_state *mrb, const uint8_t *req, size_t len, kobako_writer *w)
{
  int ai = mrb_gc_arena_save(mrb);
  struct yield_call y = { req, len, -1, NULL };
  mrb_bool failed = FALSE;
  mrb_value result = mrb_protect_error(mrb, run_block, &y, &failed);

  kobako_mp_truncate(w, 0);
  if (failed && y.slot < 0) {
    write_fault(mrb, w, "error", NULL, mrb_str_new_lit(mrb, "the block call could not be decoded"));
  }
  else if (failed) {
    block_failed(mrb, &y, result, w);
  }
  else if (y.error) {
    write_fault(mrb, w, "error", NULL, mrb_str_new_cstr(mrb, y.error));
  }
  else {
    struct kobako_encode_error err;
    if (kobako_encode_value(mrb, result, w, &err) != 0) {
      mrb_value exc = mrb_exc_new_str(mrb, mrb_class_get(mrb, err.klass),
                                      mrb_format(mrb, "the block's result cannot cross to the host: %v", err.message));
      block_failed(mrb, &y, exc, w);
    }
  }
  mrb_gc_arena_restore(mrb, ai);
}

void
kobako_service_init(mrb_state *mrb, struct RClass *kobako)
{
  services = mrb_ary_new(mrb);
  mrb_gc_register(mrb, services);
  service_methods = mrb_ary_new(mrb);
  mrb_gc_register(mrb, service_methods);
  frame_values = mrb_ary_new_capa(mrb, 2 * KOBAKO_MAX_NESTING);
  mrb_gc_register(mrb, frame_values);
  mrb_define_module_under(mrb, kobako, "ServiceError");
  mrb_define_module_function(mrb, kobako, "__call_host", call_host, MRB_ARGS_REQ(5));
}
