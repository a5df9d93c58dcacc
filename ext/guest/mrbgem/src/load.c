/* Compiles or loads code and runs it at top level, turning failures into outcomes. */
#include <mruby.h>
#include <mruby/compile.h>
#include <mruby/dump.h>
#include <mruby/error.h>
#include <mruby/irep.h>
#include <mruby/internal.h>
#include <mruby/proc.h>
#include <mruby/string.h>
#include <mruby/array.h>
#include "kobako_guest.h"
#include "kobako_decode.h"
#include "kobako_load.h"
#include "kobako_outcome.h"

/* The eval's locals (Sandbox#eval(locals:)): two MessagePack frames, names and values,
 * set by the Rust half for the duration of one eval. */
static const uint8_t *local_names;
static size_t local_names_len;
static const uint8_t *local_values;
static size_t local_values_len;

void
kobako_set_locals(const uint8_t *names, size_t names_len, const uint8_t *values, size_t values_len)
{
  local_names = names;
  local_names_len = names_len;
  local_values = values;
  local_values_len = values_len;
}

struct locals {
  mrb_value names;   /* Array of Strings, or nil: no locals */
  mrb_value values;  /* Array, as long */
};

/* A session (Kobako::Session) keeps the script's top-level locals from one eval to the
 * next, as irb does: after each eval their names and values are kept here (rooted), and
 * the next script is compiled with them declared and given their values, like the locals
 * of Sandbox#eval(locals:), which are added on top (a host local replaces a kept one of
 * the same name). Only the user's script (kobako_eval) reads or updates them. */
static mrb_bool session_on = FALSE;
static mrb_bool loading_script = FALSE;
static mrb_value session_names;
static mrb_value session_values;

void
kobako_session_begin(mrb_state *mrb)
{
  if (session_on) return;
  session_names = mrb_ary_new(mrb);
  mrb_gc_register(mrb, session_names);
  session_values = mrb_ary_new(mrb);
  mrb_gc_register(mrb, session_values);
  session_on = TRUE;
}

void
kobako_loading_script(mrb_bool on)
{
  loading_script = on;
}

static mrb_bool
in_session(void)
{
  return session_on && loading_script;
}

/* The kept locals with this eval's host locals laid over them. */
static void
merge_session_locals(mrb_state *mrb, struct locals *l)
{
  mrb_value names = mrb_ary_new_from_values(mrb, RARRAY_LEN(session_names), RARRAY_PTR(session_names));
  mrb_value values = mrb_ary_new_from_values(mrb, RARRAY_LEN(session_values), RARRAY_PTR(session_values));
  if (mrb_array_p(l->names)) {
    for (mrb_int i = 0; i < RARRAY_LEN(l->names); i++) {
      mrb_value name = RARRAY_PTR(l->names)[i];
      mrb_int at = -1;
      for (mrb_int j = 0; j < RARRAY_LEN(names); j++) {
        if (mrb_str_equal(mrb, RARRAY_PTR(names)[j], name)) { at = j; break; }
      }
      if (at < 0) {
        mrb_ary_push(mrb, names, name);
        mrb_ary_push(mrb, values, RARRAY_PTR(l->values)[i]);
      }
      else {
        mrb_ary_set(mrb, values, at, RARRAY_PTR(l->values)[i]);
      }
    }
  }
  l->names = names;
  l->values = values;
  mrb_gc_protect(mrb, names);
  mrb_gc_protect(mrb, values);
}

/* After a session's script ran (or raised), keeps its top-level locals: the names the
 * compiled proc declares and the values its registers hold now. The garbage collector
 * stays off while they are copied: registers past the frame's own are not marked. */
static void
keep_session_locals(mrb_state *mrb, struct RProc *proc)
{
  const mrb_irep *irep = proc->body.irep;
  if (irep->lv == NULL || mrb->c->ci != mrb->c->cibase) return;
  mrb_int n = irep->nlocals > 0 ? irep->nlocals - 1 : 0;
  mrb_bool was_disabled = mrb->gc.disabled;
  mrb->gc.disabled = TRUE;
  mrb_value names = mrb_ary_new_capa(mrb, n);
  mrb_value values = mrb_ary_new_capa(mrb, n);
  for (mrb_int i = 0; i < n; i++) {
    mrb_sym sym = irep->lv[i];
    if (sym == 0) continue;
    mrb_ary_push(mrb, names, mrb_sym_str(mrb, sym));
    mrb_ary_push(mrb, values, mrb->c->ci->stack[i + 1]);
  }
  mrb_gc_unregister(mrb, session_names);
  mrb_gc_unregister(mrb, session_values);
  session_names = names;
  session_values = values;
  mrb_gc_register(mrb, session_names);
  mrb_gc_register(mrb, session_values);
  mrb->gc.disabled = was_disabled;
}

static mrb_value
decode_locals(mrb_state *mrb, void *ud)
{
  struct locals *l = ud;
  struct kobako_decoded names = kobako_decode(mrb, local_names, local_names_len);
  if (names.error || names.fault || !mrb_array_p(names.value)) {
    mrb_raise(mrb, E_RUNTIME_ERROR, "the local names from the host are malformed");
  }
  l->names = names.value;
  /* Values may need their libraries (a BigDecimal requires bigdecimal), which can raise. */
  struct kobako_decoded values = kobako_decode(mrb, local_values, local_values_len);
  if (values.error || values.fault || !mrb_array_p(values.value) ||
      RARRAY_LEN(values.value) != RARRAY_LEN(names.value)) {
    mrb_raise(mrb, E_RUNTIME_ERROR, "the local values from the host are malformed");
  }
  for (mrb_int i = 0; i < RARRAY_LEN(names.value); i++) {
    if (!mrb_string_p(RARRAY_PTR(names.value)[i])) mrb_raise(mrb, E_RUNTIME_ERROR, "a local name from the host is not a String");
  }
  l->values = values.value;
  return mrb_nil_value();
}

/* Reads this eval's locals; FALSE after writing the exception building them raised. */
static mrb_bool
read_locals(mrb_state *mrb, struct locals *l, kobako_writer *w)
{
  l->names = mrb_nil_value();
  l->values = mrb_nil_value();
  if (local_names == NULL) {
    if (in_session()) merge_session_locals(mrb, l);
    return TRUE;
  }
  mrb_bool failed = FALSE;
  mrb_value exc = mrb_protect_error(mrb, decode_locals, l, &failed);
  if (failed) {
    mrb_gc_protect(mrb, exc);
    kobako_write_exception(mrb, exc, NULL, w);
    return FALSE;
  }
  mrb_gc_protect(mrb, l->names);
  mrb_gc_protect(mrb, l->values);
  if (in_session()) merge_session_locals(mrb, l);
  return TRUE;
}

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
run_toplevel(mrb_state *mrb, struct RProc *proc, const struct locals *l)
{
  struct RClass *target = mrb->object_class;
  MRB_PROC_SET_TARGET_CLASS(proc, target);
  if (mrb->c->ci) {
    mrb_vm_ci_target_class_set(mrb->c->ci, target);
  }
  mrb_int keep = 0;
  if (l && mrb_array_p(l->values) && mrb->c->ci == mrb->c->cibase) {
    /* The script was compiled with the locals declared (registers 1..n, as irb keeps the
     * locals of earlier lines): put their values there and keep them. First detach any
     * environment closures of the snippets captured from this frame, so the script's
     * locals never land in theirs. */
    struct REnv *e = mrb_vm_ci_env(mrb->c->ci);
    if (e) {
      mrb_vm_ci_env_set(mrb->c->ci, NULL);
      mrb_env_unshare(mrb, e, FALSE);
    }
    mrb_int n = RARRAY_LEN(l->values);
    mrb_stack_extend(mrb, n + 1);
    for (mrb_int i = 0; i < n; i++) mrb->c->ci->stack[i + 1] = RARRAY_PTR(l->values)[i];
    keep = n + 1;
  }
  mrb_value v = mrb_top_run(mrb, proc, mrb_top_self(mrb), keep);
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
  struct locals l;
  /* Only the user's script has locals (snippets are loaded before they are set). */
  if (!read_locals(mrb, &l, w)) return FALSE;
  mrb_ccontext *cxt = mrb_ccontext_new(mrb);
  cxt->capture_errors = TRUE;
  mrb_ccontext_filename(mrb, cxt, filename);
  if (mrb_array_p(l.names) && RARRAY_LEN(l.names) > 0) {
    mrb_int n = RARRAY_LEN(l.names);
    cxt->syms = (mrb_sym *)mrb_malloc(mrb, sizeof(mrb_sym) * (size_t)n); /* freed with cxt */
    for (mrb_int i = 0; i < n; i++) cxt->syms[i] = mrb_intern_str(mrb, RARRAY_PTR(l.names)[i]);
    cxt->slen = (int)n;
  }

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
      mrb_value v = run_toplevel(mrb, proc, &l);
      if (in_session()) keep_session_locals(mrb, proc);
      ok = finish(mrb, v, context, w, result);
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
  struct locals l;
  if (!read_locals(mrb, &l, w)) return FALSE;
  struct RProc *proc = verified_proc(mrb, bin, len, "the compile cache's bytecode", w);
  if (proc == NULL) return FALSE;
  /* As codegen leaves a top-level proc: no closure over the frame loading it. */
  if (mrb->c->cibase && mrb->c->cibase->proc == proc->upper) {
    proc->upper = NULL;
  }
  return finish(mrb, run_toplevel(mrb, proc, &l), NULL, w, result);
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
