/* Guest-side proxies for host objects: Kobako::Service (a bound member, e.g. KV::Lookup)
 * and Kobako::Handle (a host object a Service returned). Only the runtime creates them;
 * the data type check is what stops a script from forging one. */
#ifndef KOBAKO_PROXY_H
#define KOBAKO_PROXY_H

#include <mruby.h>

enum kobako_proxy_kind { KOBAKO_PROXY_NONE = 0, KOBAKO_PROXY_SERVICE, KOBAKO_PROXY_HANDLE };

/* A Handle proxy for host table entry `id`. */
mrb_value kobako_handle_new(mrb_state *mrb, uint32_t id);
/* A Service proxy for entry `index` of the installed Service list. */
mrb_value kobako_service_proxy_new(mrb_state *mrb, uint32_t index);
/* What `v` is; fills *id with the Handle id or Service index when it is a proxy. */
enum kobako_proxy_kind kobako_proxy_kind(mrb_state *mrb, mrb_value v, uint32_t *id);
/* "Ns::Member" for Service index `index` (service.c). */
mrb_value kobako_service_path(mrb_state *mrb, uint32_t index);

#endif
