/* Entry points mruby calls when it opens and closes the interpreter. */
#include <mruby.h>
#include "kobako_guest.h"

void
mrb_mruby_kobako_gem_init(mrb_state *mrb)
{
  struct RClass *kobako = mrb_define_module(mrb, "Kobako");
  kobako_output_init(mrb, kobako);
  kobako_proxy_init(mrb, kobako);
  kobako_service_init(mrb, kobako);
  kobako_random_init(mrb);
}

void
mrb_mruby_kobako_gem_final(mrb_state *mrb)
{
}
