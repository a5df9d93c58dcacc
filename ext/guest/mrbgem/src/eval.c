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
kobako_eval(mrb_state *mrb, const char *src, size_t len, const char *filename, mrb_bool keep,
            kobako_writer *w)
{
  int ai = mrb_gc_arena_save(mrb);
  mrb_value v;
  kobako_loading_script(TRUE);
  mrb_bool ok = kobako_load_source(mrb, src, len, filename, NULL, keep, w, &v);
  kobako_loading_script(FALSE);
  if (ok) {
    kobako_write_value(mrb, v, w);
  }
  mrb_gc_arena_restore(mrb, ai);
}

void
kobako_eval_compiled(mrb_state *mrb, const uint8_t *bin, size_t len, kobako_writer *w)
{
  int ai = mrb_gc_arena_save(mrb);
  mrb_value v;
  if (kobako_load_kept(mrb, bin, len, w, &v)) {
    kobako_write_value(mrb, v, w);
  }
  mrb_gc_arena_restore(mrb, ai);
}
