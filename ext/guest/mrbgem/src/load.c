/* Compiles or loads code and runs it at top level, turning failures into outcomes. */
#include <mruby.h>
#include <mruby/compile.h>
#include <mruby/irep.h>
#include <mruby/proc.h>
#include <mruby/string.h>
#include "kobako_guest.h"
#include "kobako_load.h"
#include "kobako_outcome.h"

/* The exception the last top-level run left behind, written as the outcome. */
static mrb_bool
finish(mrb_state *mrb, mrb_value v, const char *context, kobako_writer *w, mrb_value *result)
{
  if (mrb->exc) {
    mrb_value exc = mrb_obj_value(mrb->exc);
    mrb->exc = NULL;
    mrb_gc_protect(mrb, exc);
    kobako_write_exception(mrb, exc, context, w);
    return FALSE;
  }
  mrb_gc_protect(mrb, v);
  *result = v;
  return TRUE;
}

mrb_bool
kobako_load_source(mrb_state *mrb, const char *src, size_t len, const char *filename,
                   const char *context, kobako_writer *w, mrb_value *result)
{
  mrb_bool ok = FALSE;
  mrb_ccontext *cxt = mrb_ccontext_new(mrb);
  cxt->capture_errors = TRUE;
  mrb_ccontext_filename(mrb, cxt, filename);

  struct mrb_parser_state *p = mrb_parse_nstring(mrb, src, len, cxt);
  if (p == NULL) {
    kobako_write_error(w, "sandbox", "NoMemoryError", "the parser could not allocate memory");
  }
  else if (p->nerr > 0 || p->tree == NULL) {
    kobako_write_syntax_error(mrb, p, filename, w);
    mrb_parser_free(p);
  }
  else {
    mrb_value v = mrb_load_exec(mrb, p, cxt); /* frees p */
    ok = finish(mrb, v, context, w, result);
  }
  mrb_ccontext_free(mrb, cxt);
  return ok;
}

mrb_bool
kobako_load_bytecode(mrb_state *mrb, const uint8_t *bin, size_t len, const char *label,
                     const char *context, kobako_writer *w, mrb_value *result)
{
  const char *why = kobako_rite_verify(bin, len);
  if (why) {
    mrb_value msg = mrb_format(mrb, "%s is not valid mruby 3.3 bytecode: %s", label, why);
    kobako_write_refusal(mrb, "Kobako::BytecodeError", msg, mrb_nil_value(), w);
    return FALSE;
  }
  /* Load without running first, so a loader failure is told apart from the code raising.
   * The buffer is copied (FLAG_SRC_MALLOC): the irep outlives the input frame. */
  mrb_ccontext *cxt = mrb_ccontext_new(mrb);
  cxt->no_exec = TRUE;
  mrb_value proc = mrb_load_irep_buf_cxt(mrb, bin, len, cxt);
  mrb_ccontext_free(mrb, cxt);
  if (mrb->exc || !mrb_proc_p(proc)) {
    mrb->exc = NULL;
    mrb_value msg = mrb_format(mrb, "%s could not be loaded by mruby", label);
    kobako_write_refusal(mrb, "Kobako::BytecodeError", msg, mrb_nil_value(), w);
    return FALSE;
  }
  mrb_gc_protect(mrb, proc);
  mrb_value v = mrb_top_run(mrb, mrb_proc_ptr(proc), mrb_top_self(mrb), 0);
  return finish(mrb, v, context, w, result);
}
