/* Sets up an invocation before the user's code or entrypoint runs: the Service constants
 * (preamble frame), then every preloaded snippet, replayed in the order it was added. */
#include <string.h>
#include <mruby.h>
#include <mruby/error.h>
#include <mruby/array.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include "kobako_guest.h"
#include "kobako_load.h"
#include "kobako_outcome.h"

/* Snippet kinds in the snippets frame: [[kind, label, body], ...] (docs/architecture.md). */
#define KOBAKO_SNIPPET_SOURCE 0
#define KOBAKO_SNIPPET_BYTECODE 1

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

struct snippet {
  int64_t kind;
  const char *label;
  size_t label_len;
  const uint8_t *body;
  size_t body_len;
};

/* Reads the next [kind, label, body] entry. Returns NULL or why the frame is malformed. */
static const char *
next_snippet(const uint8_t *buf, size_t len, size_t *pos, struct snippet *s)
{
  struct kobako_token t;
  const char *err;
  if ((err = kobako_mp_next(buf, len, pos, &t))) return err;
  if (t.kind != KOBAKO_TOKEN_ARRAY || t.len != 3) return "a snippet entry is not [kind, label, body]";
  if ((err = kobako_mp_next(buf, len, pos, &t))) return err;
  if (t.kind != KOBAKO_TOKEN_INT) return "a snippet kind is not an integer";
  s->kind = t.integer;
  if ((err = kobako_mp_next(buf, len, pos, &t))) return err;
  if (t.kind != KOBAKO_TOKEN_STR || t.len == 0 || t.len > 255) return "a snippet label is not a short string";
  s->label = (const char *)t.ptr;
  s->label_len = t.len;
  if ((err = kobako_mp_next(buf, len, pos, &t))) return err;
  if (t.kind != KOBAKO_TOKEN_STR && t.kind != KOBAKO_TOKEN_BIN) return "a snippet body is not a string";
  s->body = t.ptr;
  s->body_len = t.len;
  return NULL;
}

static mrb_bool
replay_one(mrb_state *mrb, const struct snippet *s, kobako_writer *w)
{
  char label[256];
  char context[300];
  mrb_value ignored;
  memcpy(label, s->label, s->label_len);
  label[s->label_len] = '\0';
  snprintf(context, sizeof context, "snippet %s failed: ", label);

  if (s->kind == KOBAKO_SNIPPET_SOURCE) {
    char filename[300];
    snprintf(filename, sizeof filename, "(snippet:%s)", label);
    return kobako_load_source(mrb, (const char *)s->body, s->body_len, filename, context, FALSE, w, &ignored);
  }
  if (s->kind == KOBAKO_SNIPPET_BYTECODE) {
    char what[300];
    snprintf(what, sizeof what, "snippet %s", label);
    return kobako_load_bytecode(mrb, s->body, s->body_len, what, context, w, &ignored);
  }
  kobako_write_error(w, "sandbox", "Kobako::WireError", "a snippet has an unknown kind");
  return FALSE;
}

static mrb_bool
replay_snippets(mrb_state *mrb, const uint8_t *buf, size_t len, kobako_writer *w)
{
  size_t pos = 0;
  struct kobako_token list;
  const char *err = kobako_mp_next(buf, len, &pos, &list);
  if (!err && list.kind != KOBAKO_TOKEN_ARRAY) err = "the snippets frame is not a list";
  for (uint32_t i = 0; !err && i < list.len; i++) {
    struct snippet s;
    if ((err = next_snippet(buf, len, &pos, &s))) break;
    int ai = mrb_gc_arena_save(mrb);
    mrb_bool ok = replay_one(mrb, &s, w);
    mrb_gc_arena_restore(mrb, ai);
    if (!ok) return FALSE;
  }
  if (!err && pos != len) err = "the snippets frame has trailing bytes";
  if (err) {
    char msg[200];
    snprintf(msg, sizeof msg, "the snippets frame is malformed: %s", err);
    kobako_write_error(w, "sandbox", "Kobako::WireError", msg);
    return FALSE;
  }
  return TRUE;
}

mrb_bool
kobako_install(mrb_state *mrb, const uint8_t *preamble, size_t preamble_len, kobako_writer *w)
{
  struct preamble pre = { preamble, preamble_len };
  mrb_bool failed = FALSE;
  mrb_value exc = mrb_protect_error(mrb, install_services, &pre, &failed);
  if (failed) {
    kobako_write_exception(mrb, exc, NULL, w);
    return FALSE;
  }
  return TRUE;
}

mrb_bool
kobako_replay(mrb_state *mrb, const uint8_t *snippets, size_t snippets_len, kobako_writer *w)
{
  return replay_snippets(mrb, snippets, snippets_len, w);
}

/* Registered with the GC once set, so it survives every later collection. */
static mrb_value constants_before = { 0 };
static mrb_bool constants_before_set = FALSE;

mrb_value
kobako_constants_before_snippets(void)
{
  return constants_before_set ? constants_before : mrb_nil_value();
}

static int
collect_constant(mrb_state *mrb, mrb_sym sym, mrb_value v, void *list)
{
  const char *name = mrb_sym_name(mrb, sym);
  if (name && name[0] >= 'A' && name[0] <= 'Z') mrb_ary_push(mrb, *(mrb_value *)list, mrb_symbol_value(sym));
  return 0;
}

mrb_value
kobako_top_constants(mrb_state *mrb, void *unused)
{
  mrb_value list = mrb_ary_new(mrb);
  mrb_iv_foreach(mrb, mrb_obj_value(mrb->object_class), collect_constant, &list);
  return list;
}

/* An empty snippets frame is the one-byte MessagePack empty array. */
static mrb_bool
no_snippets(const uint8_t *snippets, size_t len)
{
  return len == 1 && snippets[0] == 0x90;
}

mrb_bool
kobako_prepare(mrb_state *mrb, const uint8_t *preamble, size_t preamble_len,
               const uint8_t *snippets, size_t snippets_len, kobako_writer *w)
{
  int ai = mrb_gc_arena_save(mrb);
  mrb_bool ok = kobako_install(mrb, preamble, preamble_len, w);
  if (ok && !no_snippets(snippets, snippets_len)) {
    mrb_bool failed = FALSE;
    mrb_value before = mrb_protect_error(mrb, kobako_top_constants, NULL, &failed);
    if (failed) {
      kobako_write_exception(mrb, before, NULL, w);
      ok = FALSE;
    }
    else {
      constants_before = before;
      constants_before_set = TRUE;
      mrb_gc_register(mrb, before);
      ok = kobako_replay(mrb, snippets, snippets_len, w);
    }
  }
  mrb_gc_arena_restore(mrb, ai);
  return ok;
}
