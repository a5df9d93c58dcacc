/* Compiles or loads code and runs it at top level, turning failures into outcomes. */
#include <mruby.h>
#include <mruby/compile.h>
#include <mruby/dump.h>
#include <mruby/error.h>
#include <mruby/irep.h>
#include <mruby/internal.h>
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

/* Runs a compiled top-level proc the way mrb_load_exec runs the code it generates:
 * Object as the target class, self the top-level object, a fresh frame. */
static mrb_value
run_toplevel(mrb_state *mrb, struct RProc *proc)
{
  struct RClass *target = mrb->object_class;
  MRB_PROC_SET_TARGET_CLASS(proc, target);
  if (mrb->c->ci) {
    mrb_vm_ci_target_class_set(mrb->c->ci, target);
  }
  mrb_value v = mrb_top_run(mrb, proc, mrb_top_self(mrb), 0);
  return mrb->exc ? mrb_nil_value() : v;
}

static mrb_value
dump_and_keep(mrb_state *mrb, void *ud)
{
  const struct RProc *proc = (const struct RProc *)ud;
  uint8_t *bin = NULL;
  size_t size = 0;
  if (mrb_dump_irep(mrb, proc->body.irep, MRB_DUMP_DEBUG_INFO, &bin, &size) == MRB_DUMP_OK) {
    kobako_keep_bytecode(bin, size);
  }
  mrb_free(mrb, bin);
  return mrb_nil_value();
}

/* Hands the host the bytecode of `proc` (with its line table, so backtraces read the same)
 * before any of it runs. Only an optimisation: when memory is short the dump is skipped
 * and the script runs as if nobody had asked. */
static void
keep_bytecode(mrb_state *mrb, struct RProc *proc)
{
  mrb_bool failed = FALSE;
  mrb_protect_error(mrb, dump_and_keep, proc, &failed);
  mrb->exc = NULL;
}

mrb_bool
kobako_load_source(mrb_state *mrb, const char *src, size_t len, const char *filename,
                   const char *context, mrb_bool keep, kobako_writer *w, mrb_value *result)
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
    struct RProc *proc = mrb_generate_code(mrb, p);
    mrb_parser_free(p);
    if (proc == NULL) {
      if (mrb->exc == NULL) {
        mrb->exc = mrb_obj_ptr(mrb_exc_new_lit(mrb, E_SCRIPT_ERROR, "codegen error"));
      }
      ok = finish(mrb, mrb_nil_value(), context, w, result);
    }
    else {
      mrb_gc_protect(mrb, mrb_obj_value(proc));
      if (keep) {
        keep_bytecode(mrb, proc);
      }
      ok = finish(mrb, run_toplevel(mrb, proc), context, w, result);
    }
  }
  mrb_ccontext_free(mrb, cxt);
  return ok;
}

/* Verifies `bin` and loads it without running it, so a loader failure is told apart from
 * the code raising (the buffer is copied, FLAG_SRC_MALLOC: the irep outlives the input
 * frame). Returns the top-level proc, or NULL after writing a Kobako::BytecodeError
 * refusal naming `label`. */
static struct RProc *
verified_proc(mrb_state *mrb, const uint8_t *bin, size_t len, const char *label, kobako_writer *w)
{
  const char *why = kobako_rite_verify(bin, len);
  if (why) {
    mrb_value msg = mrb_format(mrb, "%s is not valid mruby 3.3 bytecode: %s", label, why);
    kobako_write_refusal(mrb, "Kobako::BytecodeError", msg, mrb_nil_value(), w);
    return NULL;
  }
  mrb_ccontext *cxt = mrb_ccontext_new(mrb);
  cxt->no_exec = TRUE;
  mrb_value proc = mrb_load_irep_buf_cxt(mrb, bin, len, cxt);
  mrb_ccontext_free(mrb, cxt);
  if (mrb->exc || !mrb_proc_p(proc)) {
    mrb->exc = NULL;
    mrb_value msg = mrb_format(mrb, "%s could not be loaded by mruby", label);
    kobako_write_refusal(mrb, "Kobako::BytecodeError", msg, mrb_nil_value(), w);
    return NULL;
  }
  mrb_gc_protect(mrb, proc);
  return mrb_proc_ptr(proc);
}

mrb_bool
kobako_load_kept(mrb_state *mrb, const uint8_t *bin, size_t len, kobako_writer *w, mrb_value *result)
{
  struct RProc *proc = verified_proc(mrb, bin, len, "the compile cache's bytecode", w);
  if (proc == NULL) return FALSE;
  /* As codegen leaves a top-level proc: no closure over the frame loading it. */
  if (mrb->c->cibase && mrb->c->cibase->proc == proc->upper) {
    proc->upper = NULL;
  }
  return finish(mrb, run_toplevel(mrb, proc), NULL, w, result);
}

mrb_bool
kobako_load_bytecode(mrb_state *mrb, const uint8_t *bin, size_t len, const char *label,
                     const char *context, kobako_writer *w, mrb_value *result)
{
  struct RProc *proc = verified_proc(mrb, bin, len, label, w);
  if (proc == NULL) return FALSE;
  mrb_value v = mrb_top_run(mrb, proc, mrb_top_self(mrb), 0);
  return finish(mrb, v, context, w, result);
}
