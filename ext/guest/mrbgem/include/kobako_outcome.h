/* Writing an invocation's outcome for the host (tag byte + MessagePack):
 *   tag 0 + value                                   the value of the last expression
 *   tag 1 + {origin, class, message, backtrace}     a guest exception or a bad value
 *   tag 2 + {class, message, details}               the runtime refused the invocation
 *                                                   (bad bytecode, unknown entrypoint)
 * Tag 2 can only be written by the runtime, never by a script's own exception. */
#ifndef KOBAKO_OUTCOME_H
#define KOBAKO_OUTCOME_H

#include <mruby.h>
#include "kobako_guest.h"

struct mrb_parser_state;

#define KOBAKO_OUTCOME_REFUSAL 2

/* Writes `exc`; `context` (or NULL) is prefixed to its message, e.g. "snippet X failed: ". */
void kobako_write_exception(mrb_state *mrb, mrb_value exc, const char *context, kobako_writer *w);
/* Writes `v`, or an error outcome when it cannot cross the boundary. */
void kobako_write_value(mrb_state *mrb, mrb_value v, kobako_writer *w);
/* The outcome "value nil", for steps that succeed without a value (preparing an image). */
void kobako_write_value_nil(kobako_writer *w);
/* Writes the first error the parser recorded, located at `filename`:line. */
void kobako_write_syntax_error(mrb_state *mrb, struct mrb_parser_state *p, const char *filename,
                               kobako_writer *w);
/* Writes a tag-2 refusal; `details` is a Hash (or nil) of extra fields for the host. */
void kobako_write_refusal(mrb_state *mrb, const char *klass, mrb_value message, mrb_value details,
                          kobako_writer *w);

#endif
