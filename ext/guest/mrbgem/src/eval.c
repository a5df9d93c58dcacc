/* The eval entry point: compile and run the user's script in a prepared interpreter. */
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
kobako_settle(mrb_state *mrb)
{
  mrb_full_gc(mrb);
}

void
kobako_eval(mrb_state *mrb, const char *src, size_t len, const char *filename, kobako_writer *w)
{
  int ai = mrb_gc_arena_save(mrb);
  mrb_value v;
  if (kobako_load_source(mrb, src, len, filename, NULL, w, &v)) {
    kobako_write_value(mrb, v, w);
  }
  mrb_gc_arena_restore(mrb, ai);
}
