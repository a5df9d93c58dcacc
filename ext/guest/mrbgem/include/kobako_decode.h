#ifndef KOBAKO_DECODE_H
#define KOBAKO_DECODE_H

#include <mruby.h>
#include "kobako_guest.h"

/* Result of decoding one value sent by the host. */
struct kobako_decoded {
  mrb_value value;
  const uint8_t *fault;  /* when the top-level value is a fault ext: its msgpack payload */
  size_t fault_len;
  const char *error;     /* non-NULL when the bytes were malformed */
};

/* Decodes exactly one value from `buf` (trailing bytes are an error). A fault ext is
 * accepted only at the top level. May raise NoMemoryError: call it under a rescue. */
struct kobako_decoded kobako_decode(mrb_state *mrb, const uint8_t *buf, size_t len);

#endif
