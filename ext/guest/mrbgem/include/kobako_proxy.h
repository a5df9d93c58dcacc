/* Guest-side proxies for host objects: Kobako::Service (a bound member, e.g. KV::Lookup)
 * and Kobako::Handle (a host object a Service returned). Only the runtime creates them;
 * the data type check is what stops a script from forging one. */
#ifndef KOBAKO_PROXY_H
#define KOBAKO_PROXY_H

#include <mruby.h>

enum kobako_proxy_kind { KOBAKO_PROXY_NONE = 0, KOBAKO_PROXY_SERVICE, KOBAKO_PROXY_HANDLE };

/* A Handle proxy from the data of a Handle ext the host sent: id, kind and, the first time
 * a payload carries the kind, its descriptor. Returns NULL, or why the bytes are bad. */
const char *kobako_handle_from_wire(mrb_state *mrb, const uint8_t *ptr, size_t len, mrb_value *out);
/* A Service proxy for entry `index` of the installed Service list. */
mrb_value kobako_service_proxy_new(mrb_state *mrb, uint32_t index);
/* What `v` is; fills *id with the Handle id or Service index when it is a proxy. */
enum kobako_proxy_kind kobako_proxy_kind(mrb_state *mrb, mrb_value v, uint32_t *id);
/* The methods the host declared for a proxy ({Symbol => true}), or nil if unknown. */
mrb_value kobako_proxy_methods(mrb_state *mrb, mrb_value proxy);
/* How messages name a proxy: "Ns::Member", or "Customer (Handle #3)". */
mrb_value kobako_proxy_label(mrb_state *mrb, mrb_value proxy);
/* "Ns::Member" and the declared methods for Service index `index` (service.c). */
mrb_value kobako_service_path(mrb_state *mrb, uint32_t index);
mrb_value kobako_service_methods(mrb_state *mrb, uint32_t index);

#endif
