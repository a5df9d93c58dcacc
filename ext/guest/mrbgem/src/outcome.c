/* Writes outcomes for the host; see kobako_outcome.h for the three shapes. */
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
#include "kobako_outcome.h"

/* A hostile exception may carry an enormous backtrace; the host needs the top of it. */
#define KOBAKO_MAX_BACKTRACE_LINES 256

static void
write_cstr(kobako_writer *w, const char *s)
{
  kobako_mp_string(w, s, strlen(s));
}

/* The error outcome: {origin, class, message, [fault,] backtrace}; the caller writes the
 * backtrace array next. `fault` < 0 means none. */
static void
write_error_header_fault(kobako_writer *w, const char *origin, const char *klass, const char *msg, size_t msg_len,
                         mrb_int fault)
{
  kobako_mp_byte(w, KOBAKO_OUTCOME_ERROR);
  kobako_mp_map_header(w, fault >= 0 ? 5 : 4);
  if (fault >= 0) {
    write_cstr(w, "fault");
    kobako_mp_int(w, (int64_t)fault);
  }
  write_cstr(w, "origin");
  write_cstr(w, origin);
  write_cstr(w, "class");
  write_cstr(w, klass);
  write_cstr(w, "message");
  kobako_mp_string(w, msg, msg_len);
  write_cstr(w, "backtrace");
}

static void
write_error_header(kobako_writer *w, const char *origin, const char *klass, const char *msg, size_t msg_len)
{
  write_error_header_fault(w, origin, klass, msg, msg_len, -1);
}

/* The fault id a ServiceError carries from the host (service.c), or -1. */
static mrb_int
fault_id(mrb_state *mrb, mrb_value exc)
{
  if (mrb_type(exc) != MRB_TT_EXCEPTION) return -1;
  mrb_value id = mrb_iv_get(mrb, exc, mrb_intern_lit(mrb, KOBAKO_FAULT_IVAR));
  return mrb_integer_p(id) && mrb_integer(id) >= 0 ? mrb_integer(id) : -1;
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
  /* A Service error tells the host which call raised what (mrblib/service_error.rb). */
  mrb_sym host_message = mrb_intern_lit(mrb, "__kobako_host_message");
  mrb_value msg = mrb_respond_to(mrb, *(mrb_value *)exc, host_message)
                      ? mrb_funcall_argv(mrb, *(mrb_value *)exc, host_message, 0, NULL)
                      : mrb_funcall_id(mrb, *(mrb_value *)exc, MRB_SYM(message), 0);
  /* The "Did you mean?" hint (corelib) goes to the host with the message. */
  mrb_sym hint = mrb_intern_lit(mrb, "__kobako_hint");
  if (mrb_string_p(msg) && mrb_respond_to(mrb, *(mrb_value *)exc, hint)) {
    mrb_value extra = mrb_funcall_argv(mrb, *(mrb_value *)exc, hint, 0, NULL);
    if (mrb_string_p(extra) && RSTRING_LEN(extra) > 0) msg = mrb_str_plus(mrb, msg, extra);
  }
  return msg;
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
  struct RClass *service_error = mrb_module_get_under(mrb, kobako, "ServiceError");
  return mrb_obj_is_kind_of(mrb, exc, service_error) ? "service" : "sandbox";
}

static int
ends_with(mrb_value s, const char *suffix)
{
  size_t n = strlen(suffix);
  return (size_t)RSTRING_LEN(s) >= n && memcmp(RSTRING_PTR(s) + RSTRING_LEN(s) - n, suffix, n) == 0;
}

/* Backtrace lines worth showing: the runtime's own frames (mrblib/proxy.rb) are noise. */
static int
user_frame(mrb_value line)
{
  return mrb_string_p(line) && !ends_with(line, ":in __call_host") && !ends_with(line, ":in __call_block") &&
         !ends_with(line, ":in __run_entrypoint");
}

void
kobako_write_exception(mrb_state *mrb, mrb_value exc, const char *context, kobako_writer *w)
{
  const char *klass = mrb_obj_classname(mrb, exc);
  mrb_value msg = exception_message(mrb, exc);
  if (context) msg = mrb_format(mrb, "%s%v", context, msg);
  const char *origin = exception_origin(mrb, exc);
  mrb_int fault = strcmp(origin, "service") == 0 ? fault_id(mrb, exc) : -1;
  write_error_header_fault(w, origin, klass, RSTRING_PTR(msg), (size_t)RSTRING_LEN(msg), fault);

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

void
kobako_write_value_nil(kobako_writer *w)
{
  kobako_mp_byte(w, KOBAKO_OUTCOME_VALUE);
  kobako_mp_nil(w);
}

void
kobako_write_value(mrb_state *mrb, mrb_value v, kobako_writer *w)
{
  size_t start = kobako_mp_len(w);
  struct kobako_encode_error err;
  kobako_mp_byte(w, KOBAKO_OUTCOME_VALUE);
  if (kobako_encode_value(mrb, v, w, &err) == 0) return;

  kobako_mp_truncate(w, start);
  write_error_header(w, "sandbox", err.klass, RSTRING_PTR(err.message), (size_t)RSTRING_LEN(err.message));
  kobako_mp_array_header(w, 0);
}

void
kobako_write_syntax_error(mrb_state *mrb, struct mrb_parser_state *p, const char *filename, kobako_writer *w)
{
  const struct mrb_parser_message *e = &p->error_buffer[0];
  mrb_value msg = mrb_format(mrb, "%s:%d: %s", filename, (int)e->lineno,
                             e->message ? e->message : "syntax error");
  mrb_value where = mrb_format(mrb, "%s:%d", filename, (int)e->lineno);
  write_error_header(w, "sandbox", "SyntaxError", RSTRING_PTR(msg), (size_t)RSTRING_LEN(msg));
  kobako_mp_array_header(w, 1);
  kobako_mp_string(w, RSTRING_PTR(where), (size_t)RSTRING_LEN(where));
}

static void
write_refusal_header(kobako_writer *w, const char *klass, mrb_value message)
{
  kobako_mp_byte(w, KOBAKO_OUTCOME_REFUSAL);
  kobako_mp_map_header(w, 3);
  write_cstr(w, "class");
  write_cstr(w, klass);
  write_cstr(w, "message");
  kobako_mp_string(w, RSTRING_PTR(message), (size_t)RSTRING_LEN(message));
  write_cstr(w, "details");
}

void
kobako_write_refusal(mrb_state *mrb, const char *klass, mrb_value message, mrb_value details, kobako_writer *w)
{
  size_t start = kobako_mp_len(w);
  struct kobako_encode_error err;
  write_refusal_header(w, klass, message);
  if (kobako_encode_value(mrb, details, w, &err) == 0) return;

  /* The details are runtime-built (names, symbols) and always encode; never lose the refusal. */
  kobako_mp_truncate(w, start);
  write_refusal_header(w, klass, message);
  kobako_mp_nil(w);
}
