#ifndef KOBAKO_ENCODE_H
#define KOBAKO_ENCODE_H

#include <mruby.h>
#include "kobako_guest.h"

/* Why a value could not be encoded: the guest class name and message to report. */
struct kobako_encode_error {
  const char *klass;
  mrb_value message;
};

/* Writes `v` as MessagePack; returns non-zero (and fills `err`) if it is not representable.
 * On failure the writer holds a partial value: the caller truncates it. */
int kobako_encode_value(mrb_state *mrb, mrb_value v, kobako_writer *w, struct kobako_encode_error *err);

#endif
