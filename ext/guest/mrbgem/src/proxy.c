/*
 * Kobako::Service and Kobako::Handle: guest proxies for host objects (contract H-1..H-3).
 * A proxy is a data object whose only state is a number the host gave out (a Handle id or
 * a Service index). No method, not even `new` or `allocate`, lets a script make or change
 * one: the data type pointer is checked everywhere a proxy is read, so look-alikes built
 * by the script are rejected. Every other call goes to method_missing (mrblib/proxy.rb)
 * and from there to the host.
 */
#include <stdint.h>
#include <mruby.h>
#include <mruby/class.h>
#include <mruby/data.h>
#include <mruby/array.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include "kobako_guest.h"
#include "kobako_proxy.h"

static const struct mrb_data_type handle_type = { "Kobako::Handle", NULL };
static const struct mrb_data_type service_type = { "Kobako::Service", NULL };

static struct RClass *handle_class;
static struct RClass *service_class;

static mrb_value
proxy_new(mrb_state *mrb, struct RClass *klass, const struct mrb_data_type *type, uint32_t n)
{
  struct RData *data = mrb_data_object_alloc(mrb, klass, (void *)(uintptr_t)n, type);
  return mrb_obj_value(data);
}

mrb_value
kobako_handle_new(mrb_state *mrb, uint32_t id)
{
  return proxy_new(mrb, handle_class, &handle_type, id);
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
proxy_inspect(mrb_state *mrb, mrb_value self)
{
  uint32_t id = 0;
  switch (kobako_proxy_kind(mrb, self, &id)) {
  case KOBAKO_PROXY_HANDLE:
    return mrb_format(mrb, "#<Kobako::Handle %d>", (int)id);
  case KOBAKO_PROXY_SERVICE: {
    mrb_value path = kobako_service_path(mrb, id);
    return mrb_format(mrb, "#<Kobako::Service %v>", path);
  }
  default:
    return mrb_str_new_lit(mrb, "#<Kobako proxy (not issued by the runtime)>");
  }
}

static struct RClass *
define_proxy_class(mrb_state *mrb, struct RClass *kobako, const char *name)
{
  struct RClass *c = mrb_define_class_under(mrb, kobako, name, mrb_class_get(mrb, "BasicObject"));
  MRB_SET_INSTANCE_TT(c, MRB_TT_CDATA);
  mrb_undef_class_method(mrb, c, "new");
  mrb_undef_class_method(mrb, c, "allocate");
  /* These would run guest code against the proxy or expose a guest object id; undefining
   * them sends them through method_missing, where the allowlist refuses them. __send__ is
   * redefined in mrblib/proxy.rb to forward the method it names. */
  mrb_undef_method(mrb, c, "instance_eval");
  mrb_undef_method(mrb, c, "instance_exec");
  mrb_undef_method(mrb, c, "__id__");
  mrb_define_method(mrb, c, "==", proxy_eq, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, c, "eql?", proxy_eq, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, c, "hash", proxy_hash, MRB_ARGS_NONE());
  mrb_define_method(mrb, c, "inspect", proxy_inspect, MRB_ARGS_NONE());
  return c;
}

void
kobako_proxy_init(mrb_state *mrb, struct RClass *kobako)
{
  handle_class = define_proxy_class(mrb, kobako, "Handle");
  service_class = define_proxy_class(mrb, kobako, "Service");
}
