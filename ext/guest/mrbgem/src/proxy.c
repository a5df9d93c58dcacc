/*
 * Kobako::Service and Kobako::Handle: guest proxies for host objects (contract H-1..H-3).
 * A proxy is a data object whose only state is a number the host gave out (a Handle id or
 * a Service index). No method, not even `new` or `allocate`, lets a script make or change
 * one: the data type pointer is checked everywhere a proxy is read, so look-alikes built
 * by the script are rejected.
 *
 * Each proxy knows what the host declared for it (contract S-3): a Service from the
 * preamble, a Handle from its kind, which the host describes ([class name, [method, ...]])
 * the first time a payload carries it. From that, proxies answer respond_to?, inspect,
 * to_s, ==, eql?, hash, nil?, is_a?, kind_of?, instance_of? and class themselves; every
 * other call goes to method_missing (mrblib/proxy.rb) and from there to the host.
 */
#include <stdint.h>
#include <string.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/class.h>
#include <mruby/data.h>
#include <mruby/hash.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include "kobako_guest.h"
#include "kobako_decode.h"
#include "kobako_proxy.h"

static const struct mrb_data_type handle_type = { "Kobako::Handle", NULL };
static const struct mrb_data_type service_type = { "Kobako::Service", NULL };

static struct RClass *handle_class;
static struct RClass *service_class;

/* Handle kinds of this invocation: [[label, {method_sym => true}], ...] by kind number,
 * and the kind of each Handle id (index id). Both GC-registered. */
static mrb_value kinds;
static mrb_value kind_of_id;

static mrb_value
proxy_new(mrb_state *mrb, struct RClass *klass, const struct mrb_data_type *type, uint32_t n)
{
  struct RData *data = mrb_data_object_alloc(mrb, klass, (void *)(uintptr_t)n, type);
  return mrb_obj_value(data);
}

mrb_value
kobako_service_proxy_new(mrb_state *mrb, uint32_t index)
{
  return proxy_new(mrb, service_class, &service_type, index);
}

enum kobako_proxy_kind
kobako_proxy_kind(mrb_state *mrb, mrb_value v, uint32_t *id)
{
  if (mrb_type(v) != MRB_TT_CDATA) return KOBAKO_PROXY_NONE;
  const struct mrb_data_type *type = DATA_TYPE(v);
  if (type == &handle_type) {
    *id = (uint32_t)(uintptr_t)DATA_PTR(v);
    return KOBAKO_PROXY_HANDLE;
  }
  if (type == &service_type) {
    *id = (uint32_t)(uintptr_t)DATA_PTR(v);
    return KOBAKO_PROXY_SERVICE;
  }
  return KOBAKO_PROXY_NONE;
}

/* --- Handle kinds ------------------------------------------------------------------- */

/* Reads a kind descriptor [label, [method, ...]] into [label, {sym => true}], or nil. */
static mrb_value
read_descriptor(mrb_state *mrb, const uint8_t *ptr, size_t len)
{
  struct kobako_decoded d = kobako_decode(mrb, ptr, len);
  if (d.error || d.fault || !mrb_array_p(d.value) || RARRAY_LEN(d.value) != 2) return mrb_nil_value();
  mrb_value label = RARRAY_PTR(d.value)[0];
  mrb_value names = RARRAY_PTR(d.value)[1];
  if (!mrb_string_p(label) || !mrb_array_p(names)) return mrb_nil_value();
  mrb_value methods = mrb_hash_new_capa(mrb, (mrb_int)RARRAY_LEN(names));
  for (mrb_int i = 0; i < RARRAY_LEN(names); i++) {
    mrb_value name = RARRAY_PTR(names)[i];
    if (!mrb_string_p(name)) return mrb_nil_value();
    mrb_hash_set(mrb, methods, mrb_symbol_value(mrb_intern_str(mrb, name)), mrb_true_value());
  }
  mrb_value entry = mrb_ary_new_capa(mrb, 2);
  mrb_ary_push(mrb, entry, label);
  mrb_ary_push(mrb, entry, methods);
  return entry;
}

const char *
kobako_handle_from_wire(mrb_state *mrb, const uint8_t *ptr, size_t len, mrb_value *out)
{
  if (len < 8) return "a Handle ext must carry at least 8 bytes";
  uint32_t id = ((uint32_t)ptr[0] << 24) | ((uint32_t)ptr[1] << 16) | ((uint32_t)ptr[2] << 8) | (uint32_t)ptr[3];
  uint32_t kind = ((uint32_t)ptr[4] << 24) | ((uint32_t)ptr[5] << 16) | ((uint32_t)ptr[6] << 8) | (uint32_t)ptr[7];
  if (id == 0 || id > INT32_MAX) return "a Handle id is out of range";
  if (kind > INT32_MAX) return "a Handle kind is out of range";
  /* A kind the host numbered in a payload that never arrived leaves a gap: kinds are
   * looked up by number, and each payload describes the kinds it uses the first time. */
  if (mrb_nil_p(mrb_ary_ref(mrb, kinds, (mrb_int)kind))) {
    if (len == 8) return "a Handle of a kind the host has not described";
    mrb_value entry = read_descriptor(mrb, ptr + 8, len - 8);
    if (mrb_nil_p(entry)) return "a Handle kind descriptor is malformed";
    mrb_ary_set(mrb, kinds, (mrb_int)kind, entry);
  }
  mrb_ary_set(mrb, kind_of_id, (mrb_int)id, mrb_int_value(mrb, (mrb_int)kind));
  *out = proxy_new(mrb, handle_class, &handle_type, id);
  return NULL;
}

/* [label, methods] of a Handle's kind, or nil. */
static mrb_value
handle_kind(mrb_state *mrb, uint32_t id)
{
  mrb_value kind = mrb_ary_ref(mrb, kind_of_id, (mrb_int)id);
  if (!mrb_integer_p(kind)) return mrb_nil_value();
  return mrb_ary_ref(mrb, kinds, mrb_integer(kind));
}

/* The class name the host exposed for a Handle's kind. */
static mrb_value
handle_class_name(mrb_state *mrb, uint32_t id)
{
  mrb_value kind = handle_kind(mrb, id);
  return mrb_array_p(kind) ? RARRAY_PTR(kind)[0] : mrb_str_new_lit(mrb, "(unknown)");
}

mrb_value
kobako_proxy_methods(mrb_state *mrb, mrb_value proxy)
{
  uint32_t id = 0;
  switch (kobako_proxy_kind(mrb, proxy, &id)) {
  case KOBAKO_PROXY_SERVICE:
    return kobako_service_methods(mrb, id);
  case KOBAKO_PROXY_HANDLE: {
    mrb_value kind = handle_kind(mrb, id);
    return mrb_array_p(kind) ? RARRAY_PTR(kind)[1] : mrb_nil_value();
  }
  default:
    return mrb_nil_value();
  }
}

mrb_value
kobako_proxy_label(mrb_state *mrb, mrb_value proxy)
{
  uint32_t id = 0;
  switch (kobako_proxy_kind(mrb, proxy, &id)) {
  case KOBAKO_PROXY_SERVICE:
    return kobako_service_path(mrb, id);
  case KOBAKO_PROXY_HANDLE:
    return mrb_format(mrb, "%v (Handle #%d)", handle_class_name(mrb, id), (int)id);
  default:
    return mrb_str_new_lit(mrb, "(not a proxy)");
  }
}

static mrb_bool
declares(mrb_state *mrb, mrb_value proxy, mrb_sym name)
{
  mrb_value methods = kobako_proxy_methods(mrb, proxy);
  return mrb_hash_p(methods) && mrb_hash_key_p(mrb, methods, mrb_symbol_value(name));
}

/* --- methods proxies answer themselves --------------------------------------------- */

/* Handles compare by the host object they stand for (one id per object per invocation). */
static mrb_value
proxy_eq(mrb_state *mrb, mrb_value self)
{
  mrb_value other = mrb_get_arg1(mrb);
  uint32_t a = 0, b = 0;
  enum kobako_proxy_kind ka = kobako_proxy_kind(mrb, self, &a);
  enum kobako_proxy_kind kb = kobako_proxy_kind(mrb, other, &b);
  return mrb_bool_value(ka != KOBAKO_PROXY_NONE && ka == kb && a == b);
}

static mrb_value
proxy_hash(mrb_state *mrb, mrb_value self)
{
  uint32_t id = 0;
  enum kobako_proxy_kind kind = kobako_proxy_kind(mrb, self, &id);
  return mrb_int_value(mrb, ((mrb_int)kind << 32) | (mrb_int)id);
}

static mrb_value
forward(mrb_state *mrb, mrb_value self, mrb_sym name)
{
  mrb_value argv[5] = { self, mrb_symbol_value(name), mrb_ary_new(mrb), mrb_hash_new(mrb), mrb_nil_value() };
  return mrb_funcall_argv(mrb, mrb_obj_value(mrb_module_get(mrb, "Kobako")), mrb_intern_lit(mrb, "__call_host"), 5, argv);
}

/* `#<Kobako::Handle Customer>` / `#<Kobako::Service Shop::Customers>`: the exposed class
 * name or bound path only. A host that declared inspect (or to_s) gets the call instead. */
static mrb_value
describe(mrb_state *mrb, mrb_value self)
{
  uint32_t id = 0;
  switch (kobako_proxy_kind(mrb, self, &id)) {
  case KOBAKO_PROXY_HANDLE:
    return mrb_format(mrb, "#<Kobako::Handle %v>", handle_class_name(mrb, id));
  case KOBAKO_PROXY_SERVICE:
    return mrb_format(mrb, "#<Kobako::Service %v>", kobako_service_path(mrb, id));
  default:
    return mrb_str_new_lit(mrb, "#<Kobako proxy (not issued by the runtime)>");
  }
}

static mrb_value
proxy_inspect(mrb_state *mrb, mrb_value self)
{
  mrb_sym name = mrb_intern_lit(mrb, "inspect");
  return declares(mrb, self, name) ? forward(mrb, self, name) : describe(mrb, self);
}

static mrb_value
proxy_to_s(mrb_state *mrb, mrb_value self)
{
  mrb_sym name = mrb_intern_lit(mrb, "to_s");
  return declares(mrb, self, name) ? forward(mrb, self, name) : describe(mrb, self);
}

/* Names the proxy answers itself (mrblib/proxy.rb routes send/__send__ to them too). */
static const char *const local_names[] = {
  "inspect", "to_s", "hash", "==", "!=", "eql?", "equal?", "!", "respond_to?", "nil?",
  "is_a?", "kind_of?", "instance_of?", "class",
};

static mrb_bool
local_name(mrb_state *mrb, mrb_sym sym)
{
  mrb_int len;
  const char *name = mrb_sym_name_len(mrb, sym, &len);
  for (size_t i = 0; i < sizeof(local_names) / sizeof(local_names[0]); i++) {
    if ((mrb_int)strlen(local_names[i]) == len && memcmp(local_names[i], name, (size_t)len) == 0) return TRUE;
  }
  return FALSE;
}

static mrb_value
proxy_respond_to(mrb_state *mrb, mrb_value self)
{
  mrb_value name;
  mrb_bool include_all = FALSE;
  mrb_get_args(mrb, "o|b", &name, &include_all);
  mrb_sym sym;
  if (mrb_symbol_p(name)) sym = mrb_symbol(name);
  else if (mrb_string_p(name)) sym = mrb_intern_str(mrb, name);
  else mrb_raisef(mrb, E_TYPE_ERROR, "%!v is not a symbol nor a string", name);
  return mrb_bool_value(local_name(mrb, sym) || declares(mrb, self, sym));
}

static mrb_value
proxy_nil_p(mrb_state *mrb, mrb_value self)
{
  return mrb_false_value();
}

static struct RClass *
module_arg(mrb_state *mrb)
{
  mrb_value mod = mrb_get_arg1(mrb);
  switch (mrb_type(mod)) {
  case MRB_TT_CLASS: case MRB_TT_MODULE: case MRB_TT_SCLASS:
    return mrb_class_ptr(mod);
  default:
    mrb_raise(mrb, E_TYPE_ERROR, "class or module required");
    return NULL; /* not reached */
  }
}

static mrb_value
proxy_is_a(mrb_state *mrb, mrb_value self)
{
  return mrb_bool_value(mrb_obj_is_kind_of(mrb, self, module_arg(mrb)));
}

static mrb_value
proxy_instance_of(mrb_state *mrb, mrb_value self)
{
  return mrb_bool_value(mrb_obj_class(mrb, self) == module_arg(mrb));
}

static mrb_value
proxy_class(mrb_state *mrb, mrb_value self)
{
  return mrb_obj_value(mrb_obj_class(mrb, self));
}

/* Kobako.__proxy_local?(name): whether proxies answer `name` themselves. */
static mrb_value
proxy_local_p(mrb_state *mrb, mrb_value self)
{
  mrb_sym sym;
  mrb_get_args(mrb, "n", &sym);
  return mrb_bool_value(local_name(mrb, sym));
}

static struct RClass *
define_proxy_class(mrb_state *mrb, struct RClass *kobako, const char *name)
{
  struct RClass *c = mrb_define_class_under(mrb, kobako, name, mrb_class_get(mrb, "BasicObject"));
  MRB_SET_INSTANCE_TT(c, MRB_TT_CDATA);
  mrb_undef_class_method(mrb, c, "new");
  mrb_undef_class_method(mrb, c, "allocate");
  /* These would run guest code against the proxy or expose a guest object id; undefining
   * them sends them through method_missing, where the host refuses them. __send__ is
   * redefined in mrblib/proxy.rb to forward the method it names. */
  mrb_undef_method(mrb, c, "instance_eval");
  mrb_undef_method(mrb, c, "instance_exec");
  mrb_undef_method(mrb, c, "__id__");
  mrb_define_method(mrb, c, "==", proxy_eq, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, c, "eql?", proxy_eq, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, c, "hash", proxy_hash, MRB_ARGS_NONE());
  mrb_define_method(mrb, c, "inspect", proxy_inspect, MRB_ARGS_NONE());
  mrb_define_method(mrb, c, "to_s", proxy_to_s, MRB_ARGS_NONE());
  mrb_define_method(mrb, c, "respond_to?", proxy_respond_to, MRB_ARGS_ARG(1, 1));
  mrb_define_method(mrb, c, "nil?", proxy_nil_p, MRB_ARGS_NONE());
  mrb_define_method(mrb, c, "is_a?", proxy_is_a, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, c, "kind_of?", proxy_is_a, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, c, "instance_of?", proxy_instance_of, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, c, "class", proxy_class, MRB_ARGS_NONE());
  return c;
}

void
kobako_proxy_init(mrb_state *mrb, struct RClass *kobako)
{
  handle_class = define_proxy_class(mrb, kobako, "Handle");
  service_class = define_proxy_class(mrb, kobako, "Service");
  kinds = mrb_ary_new(mrb);
  mrb_gc_register(mrb, kinds);
  kind_of_id = mrb_ary_new(mrb);
  mrb_gc_register(mrb, kind_of_id);
  mrb_define_module_function(mrb, kobako, "__proxy_local?", proxy_local_p, MRB_ARGS_REQ(1));
}
