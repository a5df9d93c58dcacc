/*
 * Compiles and runs a script, then writes its outcome for the host:
 *   tag 0 + value                     the value of the last expression
 *   tag 1 + {origin, class, message, backtrace}   an uncaught exception or a bad value
 */
#include <string.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/compile.h>
#include <mruby/error.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include <mruby/presym.h>
#include <mruby/internal.h>
#include "kobako_guest.h"
#include "kobako_encode.h"

/* A hostile exception may carry an enormous backtrace; the host needs the top of it. */
#define KOBAKO_MAX_BACKTRACE_LINES 256

mrb_state *
kobako_open(void)
{
  return mrb_open();
}

static void
write_cstr(kobako_writer *w, const char *s)
{
  kobako_mp_string(w, s, strlen(s));
}

static void
write_error_header(kobako_writer *w, const char *origin, const char *klass, const char *msg, size_t msg_len)
{
  kobako_mp_byte(w, KOBAKO_OUTCOME_ERROR);
  kobako_mp_map_header(w, 4);
  write_cstr(w, "origin");
  write_cstr(w, origin);
  write_cstr(w, "class");
  write_cstr(w, klass);
  write_cstr(w, "message");
  kobako_mp_string(w, msg, msg_len);
  write_cstr(w, "backtrace");
}

void
kobako_write_error(kobako_writer *w, const char *origin, const char *klass, const char *message)
{
  write_error_header(w, origin, klass, message, strlen(message));
  kobako_mp_array_header(w, 0);
}

static mrb_value
call_message(mrb_state *mrb, void *exc)
{
  return mrb_funcall_id(mrb, *(mrb_value *)exc, MRB_SYM(message), 0);
}

/* The exception's message, computed defensively: a script can override #message. */
static mrb_value
exception_message(mrb_state *mrb, mrb_value exc)
{
  mrb_bool failed = FALSE;
  mrb_value msg = mrb_protect_error(mrb, call_message, &exc, &failed);
  if (failed || !mrb_string_p(msg)) {
    mrb->exc = NULL;
    return mrb_str_new_lit(mrb, "(the exception's #message could not be computed)");
  }
  return msg;
}

/* A failed Service call the script did not rescue reaches the host as a ServiceError. */
static const char *
exception_origin(mrb_state *mrb, mrb_value exc)
{
  struct RClass *kobako = mrb_module_get(mrb, "Kobako");
  struct RClass *service_error = mrb_class_get_under(mrb, kobako, "ServiceError");
  return mrb_obj_is_kind_of(mrb, exc, service_error) ? "service" : "sandbox";
}

static int
ends_with(mrb_value s, const char *suffix)
{
  size_t n = strlen(suffix);
  return (size_t)RSTRING_LEN(s) >= n && memcmp(RSTRING_PTR(s) + RSTRING_LEN(s) - n, suffix, n) == 0;
}

/* Backtrace lines worth showing: the runtime's own Service-call frames are noise. */
static int
user_frame(mrb_value line)
{
  return mrb_string_p(line) && !ends_with(line, ":in __call_host") && !ends_with(line, ":in __call_block");
}

static void
write_exception(mrb_state *mrb, mrb_value exc, kobako_writer *w)
{
  const char *klass = mrb_obj_classname(mrb, exc);
  mrb_value msg = exception_message(mrb, exc);
  write_error_header(w, exception_origin(mrb, exc), klass, RSTRING_PTR(msg), (size_t)RSTRING_LEN(msg));

  mrb_value bt = mrb_exc_backtrace(mrb, exc);
  mrb_int n = mrb_array_p(bt) ? RARRAY_LEN(bt) : 0;
  mrb_int strings = 0;
  for (mrb_int i = 0; i < n && strings < KOBAKO_MAX_BACKTRACE_LINES; i++) {
    if (user_frame(RARRAY_PTR(bt)[i])) strings++;
  }
  kobako_mp_array_header(w, (uint32_t)strings);
  for (mrb_int i = 0, written = 0; i < n && written < strings; i++) {
    mrb_value line = RARRAY_PTR(bt)[i];
    if (!user_frame(line)) continue;
    kobako_mp_string(w, RSTRING_PTR(line), (size_t)RSTRING_LEN(line));
    written++;
  }
}

static void
write_value(mrb_state *mrb, mrb_value v, kobako_writer *w)
{
  size_t start = kobako_mp_len(w);
  struct kobako_encode_error err;
  kobako_mp_byte(w, KOBAKO_OUTCOME_VALUE);
  if (kobako_encode_value(mrb, v, w, &err) == 0) return;

  kobako_mp_truncate(w, start);
  write_error_header(w, "sandbox", err.klass, RSTRING_PTR(err.message), (size_t)RSTRING_LEN(err.message));
  kobako_mp_array_header(w, 0);
}

static void
write_syntax_error(mrb_state *mrb, struct mrb_parser_state *p, const char *filename, kobako_writer *w)
{
  const struct mrb_parser_message *e = &p->error_buffer[0];
  mrb_value msg = mrb_format(mrb, "%s:%d: %s", filename, (int)e->lineno,
                             e->message ? e->message : "syntax error");
  mrb_value where = mrb_format(mrb, "%s:%d", filename, (int)e->lineno);
  write_error_header(w, "sandbox", "SyntaxError", RSTRING_PTR(msg), (size_t)RSTRING_LEN(msg));
  kobako_mp_array_header(w, 1);
  kobako_mp_string(w, RSTRING_PTR(where), (size_t)RSTRING_LEN(where));
}

struct preamble {
  const uint8_t *ptr;
  size_t len;
};

static mrb_value
install_services(mrb_state *mrb, void *data)
{
  struct preamble *p = data;
  kobako_install_services(mrb, p->ptr, p->len);
  return mrb_nil_value();
}

void
kobako_eval(mrb_state *mrb, const uint8_t *preamble, size_t preamble_len,
            const char *src, size_t len, const char *filename, kobako_writer *w)
{
  int ai = mrb_gc_arena_save(mrb);
  struct preamble pre = { preamble, preamble_len };
  mrb_bool failed = FALSE;
  mrb_value exc = mrb_protect_error(mrb, install_services, &pre, &failed);
  if (failed) {
    write_exception(mrb, exc, w);
    mrb_gc_arena_restore(mrb, ai);
    return;
  }

  mrb_ccontext *cxt = mrb_ccontext_new(mrb);
  cxt->capture_errors = TRUE;
  mrb_ccontext_filename(mrb, cxt, filename);

  struct mrb_parser_state *p = mrb_parse_nstring(mrb, src, len, cxt);
  if (p == NULL) {
    kobako_write_error(w, "sandbox", "NoMemoryError", "the parser could not allocate memory");
  }
  else if (p->nerr > 0 || p->tree == NULL) {
    write_syntax_error(mrb, p, filename, w);
    mrb_parser_free(p);
  }
  else {
    mrb_value v = mrb_load_exec(mrb, p, cxt); /* frees p */
    if (mrb->exc) {
      mrb_value exc = mrb_obj_value(mrb->exc);
      mrb->exc = NULL;
      mrb_gc_protect(mrb, exc);
      write_exception(mrb, exc, w);
    }
    else {
      mrb_gc_protect(mrb, v);
      write_value(mrb, v, w);
    }
  }
  mrb_ccontext_free(mrb, cxt);
  mrb_gc_arena_restore(mrb, ai);
}
