/*
 * The engine of the guest's JSON (mrblib/json.rb has the API): a parser and a generator
 * that follow CRuby's json gem (the 2.7 line shipped with Ruby 3.3) byte for byte for the
 * values a script can build.
 *
 *   Kobako::JSONEngine.parse(source, symbolize_names, max_nesting, allow_nan)
 *   Kobako::JSONEngine.generate(obj, [indent, space, space_before, object_nl, array_nl,
 *                                     allow_nan, max_nesting, ascii_only, script_safe], state, depth)
 *
 * Objects the generator does not know are asked for `to_json(state)`, as CRuby does.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/class.h>
#include <mruby/hash.h>
#include <mruby/numeric.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include <mruby/presym.h>

static struct RClass *
json_class(mrb_state *mrb, const char *name)
{
  return mrb_class_get_under(mrb, mrb_module_get(mrb, "JSON"), name);
}

/* --- parsing ------------------------------------------------------------------------ */

struct parser {
  mrb_state *mrb;
  const char *p;
  const char *start;
  const char *end;
  mrb_bool symbolize;
  mrb_int max_nesting;
  mrb_bool allow_nan;
};

static void
parse_error(struct parser *ps, const char *at)
{
  mrb_state *mrb = ps->mrb;
  mrb_int n = ps->end - at;
  if (n > 32) n = 32;
  mrb_value where = mrb_str_new(mrb, at, n);
  mrb_raisef(mrb, json_class(mrb, "ParserError"), "unexpected token at '%v'", where);
}

static void
skip_space(struct parser *ps)
{
  for (;;) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
    if (ps->p + 1 < ps->end && ps->p[0] == '/' && ps->p[1] == '*') {
      const char *close = ps->p + 2;
      while (close + 1 < ps->end && !(close[0] == '*' && close[1] == '/')) close++;
      if (close + 1 >= ps->end) parse_error(ps, ps->p);
      ps->p = close + 2;
    }
    else if (ps->p + 1 < ps->end && ps->p[0] == '/' && ps->p[1] == '/') {
      while (ps->p < ps->end && *ps->p != '\n') ps->p++;
    }
    else {
      return;
    }
  }
}

static mrb_bool
literal(struct parser *ps, const char *word)
{
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
    ps->p += n;
    return TRUE;
  }
  return FALSE;
}

static int
hex4(const char *s)
{
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return -1;
  }
  return v;
}

static void
put_utf8(mrb_state *mrb, mrb_value buf, unsigned int cp)
{
  char out[4];
  int n;
  if (cp < 0x80) { out[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { out[0] = (char)(0xc0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
  else if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); out[2] = (char)(0x80 | (cp & 0x3f)); n = 3;
  }
  else {
    out[0] = (char)(0xf0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); out[3] = (char)(0x80 | (cp & 0x3f)); n = 4;
  }
  mrb_str_cat(mrb, buf, out, n);
}

static mrb_value
parse_string(struct parser *ps)
{
  mrb_state *mrb = ps->mrb;
  const char *open = ps->p++;
  mrb_value buf = mrb_str_new(mrb, NULL, 0);
  const char *run = ps->p;
  while (ps->p < ps->end) {
    unsigned char c = (unsigned char)*ps->p;
    if (c == '"') {
      mrb_str_cat(mrb, buf, run, ps->p - run);
      ps->p++;
      return buf;
    }
    if (c < 0x20) parse_error(ps, open);
    if (c != '\\') { ps->p++; continue; }
    mrb_str_cat(mrb, buf, run, ps->p - run);
    if (ps->p + 1 >= ps->end) parse_error(ps, open);
    char e = ps->p[1];
    ps->p += 2;
    switch (e) {
    case 'b': mrb_str_cat_lit(mrb, buf, "\b"); break;
    case 'f': mrb_str_cat_lit(mrb, buf, "\f"); break;
    case 'n': mrb_str_cat_lit(mrb, buf, "\n"); break;
    case 'r': mrb_str_cat_lit(mrb, buf, "\r"); break;
    case 't': mrb_str_cat_lit(mrb, buf, "\t"); break;
    case 'u': {
      if (ps->end - ps->p < 4) parse_error(ps, open);
      int cp = hex4(ps->p);
      if (cp < 0) parse_error(ps, open);
      ps->p += 4;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        int lo = (ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') ? hex4(ps->p + 2) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) {
          mrb_raisef(mrb, json_class(mrb, "ParserError"), "incomplete surrogate pair at '%v'",
                     mrb_str_new(mrb, ps->p - 6, ps->end - ps->p + 6 > 32 ? 32 : ps->end - ps->p + 6));
        }
        ps->p += 6;
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      else if (cp >= 0xdc00 && cp <= 0xdfff) {
        mrb_raisef(mrb, json_class(mrb, "ParserError"), "incomplete surrogate pair at '%v'",
                   mrb_str_new(mrb, ps->p - 6, ps->end - ps->p + 6 > 32 ? 32 : ps->end - ps->p + 6));
      }
      put_utf8(mrb, buf, (unsigned int)cp);
      break;
    }
    default: mrb_str_cat(mrb, buf, &e, 1); break; /* \" \\ \/ and, as the json gem does, any other */
    }
    run = ps->p;
  }
  parse_error(ps, open);
  return mrb_nil_value();
}

static mrb_value
parse_number(struct parser *ps)
{
  mrb_state *mrb = ps->mrb;
  const char *s = ps->p;
  const char *q = s;
  mrb_bool is_float = FALSE;
  if (q < ps->end && *q == '-') q++;
  if (q >= ps->end || !(*q >= '0' && *q <= '9')) parse_error(ps, s);
  if (*q == '0') {
    q++;
    if (q < ps->end && *q >= '0' && *q <= '9') parse_error(ps, s);
  }
  else {
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < ps->end && *q == '.') {
    q++;
    if (q >= ps->end || !(*q >= '0' && *q <= '9')) parse_error(ps, s);
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
    is_float = TRUE;
  }
  if (q < ps->end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < ps->end && (*q == '+' || *q == '-')) q++;
    if (q >= ps->end || !(*q >= '0' && *q <= '9')) parse_error(ps, s);
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
    is_float = TRUE;
  }
  ps->p = q;
  mrb_value text = mrb_str_new(mrb, s, q - s);
  if (is_float) return mrb_float_value(mrb, strtod(RSTRING_CSTR(mrb, text), NULL));
  /* String#to_i: it grows into a bigint where the digits need one. */
  return mrb_funcall_id(mrb, text, MRB_SYM(to_i), 0);
}

static mrb_value parse_value(struct parser *ps, mrb_int depth);

static void
enter(struct parser *ps, mrb_int depth)
{
  if (ps->max_nesting > 0 && depth > ps->max_nesting) {
    mrb_raisef(ps->mrb, json_class(ps->mrb, "NestingError"), "nesting of %d is too deep", (int)depth);
  }
}

static mrb_value
parse_array(struct parser *ps, mrb_int depth)
{
  mrb_state *mrb = ps->mrb;
  enter(ps, depth);
  ps->p++;
  mrb_value ary = mrb_ary_new(mrb);
  int ai = mrb_gc_arena_save(mrb);
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == ']') { ps->p++; return ary; }
  for (;;) {
    mrb_ary_push(mrb, ary, parse_value(ps, depth));
    mrb_gc_arena_restore(mrb, ai);
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; skip_space(ps); continue; }
    if (ps->p < ps->end && *ps->p == ']') { ps->p++; return ary; }
    parse_error(ps, ps->p);
  }
}

static mrb_value
parse_object(struct parser *ps, mrb_int depth)
{
  mrb_state *mrb = ps->mrb;
  enter(ps, depth);
  ps->p++;
  mrb_value hash = mrb_hash_new(mrb);
  int ai = mrb_gc_arena_save(mrb);
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == '}') { ps->p++; return hash; }
  for (;;) {
    if (ps->p >= ps->end || *ps->p != '"') parse_error(ps, ps->p);
    mrb_value key = parse_string(ps);
    if (ps->symbolize) key = mrb_symbol_value(mrb_intern_str(mrb, key));
    else mrb_obj_freeze(mrb, key);
    skip_space(ps);
    if (ps->p >= ps->end || *ps->p != ':') parse_error(ps, ps->p);
    ps->p++;
    skip_space(ps);
    mrb_value val = parse_value(ps, depth);
    mrb_hash_set(mrb, hash, key, val);
    mrb_gc_arena_restore(mrb, ai);
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; skip_space(ps); continue; }
    if (ps->p < ps->end && *ps->p == '}') { ps->p++; return hash; }
    parse_error(ps, ps->p);
  }
}

static mrb_value
parse_value(struct parser *ps, mrb_int depth)
{
  mrb_state *mrb = ps->mrb;
  if (ps->p >= ps->end) parse_error(ps, ps->p);
  switch (*ps->p) {
  case '{': return parse_object(ps, depth + 1);
  case '[': return parse_array(ps, depth + 1);
  case '"': return parse_string(ps);
  case 't': if (literal(ps, "true")) return mrb_true_value(); break;
  case 'f': if (literal(ps, "false")) return mrb_false_value(); break;
  case 'n': if (literal(ps, "null")) return mrb_nil_value(); break;
  case 'N':
    if (ps->allow_nan && literal(ps, "NaN")) return mrb_float_value(mrb, NAN);
    break;
  case 'I':
    if (ps->allow_nan && literal(ps, "Infinity")) return mrb_float_value(mrb, INFINITY);
    break;
  case '-':
    if (ps->allow_nan && literal(ps, "-Infinity")) return mrb_float_value(mrb, -INFINITY);
    return parse_number(ps);
  default:
    if (*ps->p >= '0' && *ps->p <= '9') return parse_number(ps);
  }
  parse_error(ps, ps->p);
  return mrb_nil_value();
}

static mrb_value
json_s_parse(mrb_state *mrb, mrb_value self)
{
  mrb_value source;
  mrb_bool symbolize, allow_nan;
  mrb_int max_nesting;
  mrb_get_args(mrb, "Sbib", &source, &symbolize, &max_nesting, &allow_nan);
  struct parser ps = { mrb, RSTRING_PTR(source), RSTRING_PTR(source), RSTRING_END(source), symbolize, max_nesting, allow_nan };
  skip_space(&ps);
  mrb_value v = parse_value(&ps, 0);
  skip_space(&ps);
  if (ps.p != ps.end) parse_error(&ps, ps.p);
  return v;
}

/* --- generating --------------------------------------------------------------------- */

enum { OPT_INDENT, OPT_SPACE, OPT_SPACE_BEFORE, OPT_OBJECT_NL, OPT_ARRAY_NL, OPT_ALLOW_NAN, OPT_MAX_NESTING,
       OPT_ASCII_ONLY, OPT_SCRIPT_SAFE, OPT_COUNT };

struct generator {
  mrb_state *mrb;
  mrb_value out;
  mrb_value opts[OPT_COUNT];
  mrb_value state;
};

static const char hex_digits[] = "0123456789abcdef";

static void
put_escape_u(mrb_state *mrb, mrb_value out, unsigned int u)
{
  char buf[6] = { '\\', 'u', hex_digits[(u >> 12) & 15], hex_digits[(u >> 8) & 15], hex_digits[(u >> 4) & 15], hex_digits[u & 15] };
  mrb_str_cat(mrb, out, buf, 6);
}

/* The next code point of valid UTF-8 at s (n bytes long), or -1. */
static int
decode_utf8(const unsigned char *s, mrb_int n, int *len)
{
  unsigned char c = s[0];
  int need, cp;
  if (c < 0x80) { *len = 1; return c; }
  if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; }
  else return -1;
  if (n <= need) return -1;
  for (int k = 1; k <= need; k++) {
    if ((s[k] & 0xc0) != 0x80) return -1;
    cp = (cp << 6) | (s[k] & 0x3f);
  }
  if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff))) return -1;
  *len = need + 1;
  return cp;
}

static void
gen_string(struct generator *g, mrb_value str)
{
  mrb_state *mrb = g->mrb;
  mrb_bool ascii_only = mrb_test(g->opts[OPT_ASCII_ONLY]);
  mrb_bool script_safe = mrb_test(g->opts[OPT_SCRIPT_SAFE]);
  const unsigned char *s = (const unsigned char *)RSTRING_PTR(str);
  mrb_int n = RSTRING_LEN(str);
  mrb_value out = g->out;
  mrb_str_cat_lit(mrb, out, "\"");
  mrb_int run = 0, i = 0;
  while (i < n) {
    unsigned char c = s[i];
    const char *esc = NULL;
    if (c < 0x80) {
      switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\b': esc = "\\b"; break;
      case '\f': esc = "\\f"; break;
      case '\n': esc = "\\n"; break;
      case '\r': esc = "\\r"; break;
      case '\t': esc = "\\t"; break;
      case '/': if (script_safe) esc = "\\/"; break;
      default: break;
      }
      if (esc || c < 0x20) {
        mrb_str_cat(mrb, out, (const char *)s + run, i - run);
        if (esc) mrb_str_cat_cstr(mrb, out, esc);
        else put_escape_u(mrb, out, c);
        run = ++i;
      }
      else {
        i++;
      }
      continue;
    }
    int len;
    int cp = decode_utf8(s + i, n - i, &len);
    if (cp < 0) mrb_raise(mrb, json_class(mrb, "GeneratorError"), "source sequence is illegal/malformed utf-8");
    if (ascii_only || (script_safe && (cp == 0x2028 || cp == 0x2029))) {
      mrb_str_cat(mrb, out, (const char *)s + run, i - run);
      if (cp >= 0x10000) {
        unsigned int v = (unsigned int)cp - 0x10000;
        put_escape_u(mrb, out, 0xd800 + (v >> 10));
        put_escape_u(mrb, out, 0xdc00 + (v & 0x3ff));
      }
      else {
        put_escape_u(mrb, out, (unsigned int)cp);
      }
      run = i + len;
    }
    i += len;
  }
  mrb_str_cat(mrb, out, (const char *)s + run, n - run);
  mrb_str_cat_lit(mrb, out, "\"");
}

static void
put_opt(struct generator *g, int opt)
{
  mrb_value v = g->opts[opt];
  if (mrb_string_p(v)) mrb_str_cat_str(g->mrb, g->out, v);
}

static void
put_indent(struct generator *g, mrb_int depth)
{
  mrb_value indent = g->opts[OPT_INDENT];
  if (!mrb_string_p(indent) || RSTRING_LEN(indent) == 0) return;
  for (mrb_int i = 0; i < depth; i++) mrb_str_cat_str(g->mrb, g->out, indent);
}

static void gen_value(struct generator *g, mrb_value v, mrb_int depth);

static void
check_depth(struct generator *g, mrb_int depth)
{
  mrb_value max = g->opts[OPT_MAX_NESTING];
  if (mrb_integer_p(max) && mrb_integer(max) > 0 && depth > mrb_integer(max)) {
    mrb_raisef(g->mrb, json_class(g->mrb, "NestingError"), "nesting of %d is too deep", (int)depth);
  }
}

struct pair_walk {
  struct generator *g;
  mrb_int depth;
  mrb_bool first;
};

static int
gen_pair(mrb_state *mrb, mrb_value key, mrb_value val, void *data)
{
  struct pair_walk *w = data;
  struct generator *g = w->g;
  if (!w->first) mrb_str_cat_lit(mrb, g->out, ",");
  w->first = FALSE;
  put_opt(g, OPT_OBJECT_NL);
  put_indent(g, w->depth);
  mrb_value name = mrb_string_p(key) ? key : mrb_obj_as_string(mrb, key);
  gen_string(g, name);
  put_opt(g, OPT_SPACE_BEFORE);
  mrb_str_cat_lit(mrb, g->out, ":");
  put_opt(g, OPT_SPACE);
  gen_value(g, val, w->depth);
  return 0;
}

static void
gen_float(struct generator *g, mrb_value v)
{
  mrb_state *mrb = g->mrb;
  mrb_float f = mrb_float(v);
  if (isnan(f) || isinf(f)) {
    if (!mrb_test(g->opts[OPT_ALLOW_NAN])) {
      mrb_value text = mrb_funcall_id(mrb, v, MRB_SYM(to_s), 0);
      mrb_raisef(mrb, json_class(mrb, "GeneratorError"), "%v not allowed in JSON", text);
    }
  }
  mrb_str_cat_str(mrb, g->out, mrb_funcall_id(mrb, v, MRB_SYM(to_s), 0));
}

static void
gen_value(struct generator *g, mrb_value v, mrb_int depth)
{
  mrb_state *mrb = g->mrb;
  mrb_value out = g->out;
  switch (mrb_type(v)) {
  case MRB_TT_FALSE:
    if (mrb_nil_p(v)) mrb_str_cat_lit(mrb, out, "null");
    else mrb_str_cat_lit(mrb, out, "false");
    return;
  case MRB_TT_TRUE: mrb_str_cat_lit(mrb, out, "true"); return;
  case MRB_TT_INTEGER:
#ifdef MRB_USE_BIGINT
  case MRB_TT_BIGINT:
#endif
    mrb_str_cat_str(mrb, out, mrb_funcall_id(mrb, v, MRB_SYM(to_s), 0));
    return;
  case MRB_TT_FLOAT: gen_float(g, v); return;
  case MRB_TT_STRING: gen_string(g, v); return;
  case MRB_TT_SYMBOL: gen_string(g, mrb_sym_str(mrb, mrb_symbol(v))); return;
  case MRB_TT_ARRAY: {
    check_depth(g, depth + 1);
    mrb_str_cat_lit(mrb, out, "[");
    mrb_int len = RARRAY_LEN(v);
    if (len > 0) {
      for (mrb_int i = 0; i < RARRAY_LEN(v); i++) {
        if (i > 0) mrb_str_cat_lit(mrb, out, ",");
        put_opt(g, OPT_ARRAY_NL);
        put_indent(g, depth + 1);
        gen_value(g, RARRAY_PTR(v)[i], depth + 1);
      }
      put_opt(g, OPT_ARRAY_NL);
      put_indent(g, depth);
    }
    mrb_str_cat_lit(mrb, out, "]");
    return;
  }
  case MRB_TT_HASH: {
    check_depth(g, depth + 1);
    mrb_str_cat_lit(mrb, out, "{");
    if (mrb_hash_size(mrb, v) > 0) {
      struct pair_walk w = { g, depth + 1, TRUE };
      mrb_hash_foreach(mrb, mrb_hash_ptr(v), gen_pair, &w);
      put_opt(g, OPT_OBJECT_NL);
      put_indent(g, depth);
    }
    mrb_str_cat_lit(mrb, out, "}");
    return;
  }
  default: {
    /* Anything else answers for itself, as in CRuby: its to_json(state), which for an
     * ordinary object is its to_s as a JSON string. */
    if (mrb_obj_respond_to(mrb, mrb_class(mrb, v), mrb_intern_lit(mrb, "to_json"))) {
      mrb_funcall_argv(mrb, g->state, mrb_intern_lit(mrb, "depth="), 1, (mrb_value[]){ mrb_int_value(mrb, depth) });
      mrb_value json = mrb_funcall_argv(mrb, v, mrb_intern_lit(mrb, "to_json"), 1, &g->state);
      mrb_str_cat_str(mrb, out, mrb_obj_as_string(mrb, json));
    }
    else {
      gen_string(g, mrb_obj_as_string(mrb, v));
    }
    return;
  }
  }
}

static mrb_value
json_s_generate(mrb_state *mrb, mrb_value self)
{
  mrb_value obj, opts, state;
  mrb_int depth = 0;
  mrb_get_args(mrb, "oAo|i", &obj, &opts, &state, &depth);
  if (RARRAY_LEN(opts) != OPT_COUNT) mrb_raise(mrb, E_ARGUMENT_ERROR, "bad JSON generator options");
  struct generator g;
  g.mrb = mrb;
  g.out = mrb_str_new(mrb, NULL, 0);
  g.state = state;
  for (int i = 0; i < OPT_COUNT; i++) g.opts[i] = RARRAY_PTR(opts)[i];
  gen_value(&g, obj, depth);
  return g.out;
}

void
mrb_mruby_kobako_json_init(mrb_state *mrb)
{
  /* The API (JSON, #to_json) appears with `require "json"` (lib/json.rb); the engine
   * waits under Kobako until then. */
  struct RClass *engine = mrb_define_module_under(mrb, mrb_define_module(mrb, "Kobako"), "JSONEngine");
  mrb_define_module_function(mrb, engine, "parse", json_s_parse, MRB_ARGS_REQ(4));
  mrb_define_module_function(mrb, engine, "generate", json_s_generate, MRB_ARGS_ARG(3, 1));
}
