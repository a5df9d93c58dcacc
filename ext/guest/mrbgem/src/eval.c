/* The eval entry point: set up the invocation, then compile and run the user's script. */
#include <mruby.h>
#include "kobako_guest.h"
#include "kobako_load.h"
#include "kobako_outcome.h"

mrb_state *
kobako_open(void)
{
  return mrb_open();
}

void
kobako_eval(mrb_state *mrb, const uint8_t *preamble, size_t preamble_len,
            const uint8_t *snippets, size_t snippets_len,
            const char *src, size_t len, const char *filename, kobako_writer *w)
{
  int ai = mrb_gc_arena_save(mrb);
  mrb_value v;
  if (kobako_prepare(mrb, preamble, preamble_len, snippets, snippets_len, w) &&
      kobako_load_source(mrb, src, len, filename, NULL, w, &v)) {
    kobako_write_value(mrb, v, w);
  }
  mrb_gc_arena_restore(mrb, ai);
}
