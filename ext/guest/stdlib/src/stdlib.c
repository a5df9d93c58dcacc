/* Native parts of the guest's standard library (json.c); the rest is mrblib/. */
#include <mruby.h>

void mrb_mruby_kobako_json_init(mrb_state *mrb);

void
mrb_mruby_kobako_stdlib_gem_init(mrb_state *mrb)
{
  mrb_mruby_kobako_json_init(mrb);
}

void
mrb_mruby_kobako_stdlib_gem_final(mrb_state *mrb)
{
}
