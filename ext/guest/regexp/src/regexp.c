/*
 * Regexp and MatchData for the guest, on Oniguruma with its Ruby syntax (contract R-5).
 *
 * This file holds what needs the engine: compiling, searching, and reading a match. The
 * Ruby-facing API (String#gsub, scan, split, ..., MatchData#captures, ...) is written in
 * mrblib/ on top of these primitives. Positions cross the primitives as byte offsets;
 * the Ruby layer converts to character offsets where Ruby's API speaks in characters.
 *
 * Strings are UTF-8 (MRB_UTF8_STRING); a String that is not valid UTF-8 is refused with
 * ArgumentError, as CRuby refuses a broken UTF-8 String.
 */
#include <limits.h>
#include <string.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/class.h>
#include <mruby/data.h>
#include <mruby/hash.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include <mruby/internal.h>
#include <oniguruma.h>

/* Ruby's option bits (Regexp::IGNORECASE, EXTENDED, MULTILINE). */
#define RE_IGNORECASE 1
#define RE_EXTENDED 2
#define RE_MULTILINE 4

struct regexp {
  OnigRegex reg;
  int options;
};

static void
regexp_free(mrb_state *mrb, void *p)
{
  struct regexp *re = p;
  if (re) {
    if (re->reg) onig_free(re->reg);
    mrb_free(mrb, re);
  }
}

static void
match_free(mrb_state *mrb, void *p)
{
  if (p) onig_region_free((OnigRegion *)p, 1);
}

static const struct mrb_data_type regexp_type = { "Regexp", regexp_free };
static const struct mrb_data_type match_type = { "MatchData", match_free };

static struct RClass *regexp_class;
static struct RClass *match_class;

#define IV(name) mrb_intern_lit(mrb, name)

static struct regexp *
get_regexp(mrb_state *mrb, mrb_value self)
{
  struct regexp *re = mrb_data_check_get_ptr(mrb, self, &regexp_type);
  if (!re || !re->reg) mrb_raise(mrb, E_TYPE_ERROR, "uninitialized Regexp");
  return re;
}

static OnigRegion *
get_region(mrb_state *mrb, mrb_value self)
{
  OnigRegion *region = mrb_data_check_get_ptr(mrb, self, &match_type);
  if (!region) mrb_raise(mrb, E_TYPE_ERROR, "uninitialized MatchData");
  return region;
}

static struct RClass *
regexp_error(mrb_state *mrb)
{
  return mrb_class_get(mrb, "RegexpError");
}

/* Whether bytes are valid UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). */
static mrb_bool
valid_utf8(const unsigned char *s, mrb_int len)
{
  mrb_int i = 0;
  while (i < len) {
    unsigned char c = s[i];
    if (c < 0x80) { i++; continue; }
    mrb_int n;
    unsigned int cp;
    if (c >= 0xc2 && c <= 0xdf) { n = 1; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { n = 2; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 3; cp = c & 0x07; }
    else return FALSE;
    if (len - i <= n) return FALSE;
    for (mrb_int k = 1; k <= n; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return FALSE;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
      return FALSE;
    }
    i += n + 1;
  }
  return TRUE;
}

/* Refuses a subject that is not valid UTF-8. An ASCII-only String is marked as such (as
 * mruby itself does), so later checks and character offsets on it cost nothing. */
static void
check_subject(mrb_state *mrb, mrb_value str)
{
  struct RString *s = mrb_str_ptr(str);
  if (RSTR_ASCII_P(s)) return;
  const unsigned char *p = (const unsigned char *)RSTR_PTR(s);
  mrb_int len = RSTR_LEN(s);
  mrb_int i = 0;
  while (i < len && p[i] < 0x80) i++;
  if (i == len) {
    RSTR_SET_ASCII_FLAG(s);
    return;
  }
  if (!valid_utf8(p + i, len - i)) mrb_raise(mrb, E_ARGUMENT_ERROR, "invalid byte sequence in UTF-8");
}

/* --- compiling ---------------------------------------------------------------------- */

static void
raise_onig(mrb_state *mrb, int code, OnigErrorInfo *einfo, mrb_value source)
{
  OnigUChar buf[ONIG_MAX_ERROR_MESSAGE_LEN];
  onig_error_code_to_str(buf, code, einfo);
  mrb_raisef(mrb, regexp_error(mrb), "%s: /%v/", (const char *)buf, source);
}

/* Regexp.__compile(source, options): a new Regexp. */
static mrb_value
regexp_s_compile(mrb_state *mrb, mrb_value klass)
{
  mrb_value source;
  mrb_int options;
  mrb_get_args(mrb, "Si", &source, &options);
  if (!valid_utf8((const unsigned char *)RSTRING_PTR(source), RSTRING_LEN(source))) {
    mrb_raisef(mrb, regexp_error(mrb), "invalid multibyte character: /%v/", source);
  }
  OnigOptionType onig_options = ONIG_OPTION_NONE;
  if (options & RE_IGNORECASE) onig_options |= ONIG_OPTION_IGNORECASE;
  if (options & RE_EXTENDED) onig_options |= ONIG_OPTION_EXTEND;
  if (options & RE_MULTILINE) onig_options |= ONIG_OPTION_MULTILINE;

  struct regexp *re = mrb_malloc(mrb, sizeof(*re));
  re->reg = NULL;
  re->options = (int)(options & (RE_IGNORECASE | RE_EXTENDED | RE_MULTILINE));
  struct RData *data = mrb_data_object_alloc(mrb, mrb_class_ptr(klass), re, &regexp_type);
  mrb_value self = mrb_obj_value(data);

  OnigErrorInfo einfo;
  const OnigUChar *pat = (const OnigUChar *)RSTRING_PTR(source);
  int r = onig_new(&re->reg, pat, pat + RSTRING_LEN(source), onig_options, ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY, &einfo);
  if (r != ONIG_NORMAL) {
    re->reg = NULL;
    raise_onig(mrb, r, &einfo, source);
  }
  mrb_iv_set(mrb, self, IV("__source"), mrb_str_dup(mrb, source));
  return self;
}

static mrb_value
regexp_source(mrb_state *mrb, mrb_value self)
{
  get_regexp(mrb, self);
  return mrb_str_dup(mrb, mrb_iv_get(mrb, self, IV("__source")));
}

static mrb_value
regexp_options(mrb_state *mrb, mrb_value self)
{
  return mrb_int_value(mrb, get_regexp(mrb, self)->options);
}

static int
collect_name(const OnigUChar *name, const OnigUChar *name_end, int ngroups, int *groups, OnigRegex reg, void *arg)
{
  void **ctx = arg;
  mrb_state *mrb = ctx[0];
  mrb_value list = *(mrb_value *)ctx[1];
  mrb_value nums = mrb_ary_new_capa(mrb, ngroups);
  for (int i = 0; i < ngroups; i++) mrb_ary_push(mrb, nums, mrb_int_value(mrb, groups[i]));
  mrb_value pair = mrb_ary_new_capa(mrb, 2);
  mrb_ary_push(mrb, pair, mrb_str_new(mrb, (const char *)name, (mrb_int)(name_end - name)));
  mrb_ary_push(mrb, pair, nums);
  mrb_ary_push(mrb, list, pair);
  return 0;
}

/* Regexp#__names_by_hash: [[name, [group, ...]], ...] in the engine's (hash) order. */
static mrb_value
regexp_names(mrb_state *mrb, mrb_value self)
{
  struct regexp *re = get_regexp(mrb, self);
  mrb_value list = mrb_ary_new(mrb);
  void *ctx[2] = { mrb, &list };
  onig_foreach_name(re->reg, collect_name, ctx);
  return list;
}

static mrb_value
regexp_group_count(mrb_state *mrb, mrb_value self)
{
  return mrb_int_value(mrb, onig_number_of_captures(get_regexp(mrb, self)->reg));
}

/* --- searching ---------------------------------------------------------------------- */

static mrb_value
new_match(mrb_state *mrb, mrb_value regexp, mrb_value str, OnigRegion *region)
{
  struct RData *data = mrb_data_object_alloc(mrb, match_class, region, &match_type);
  mrb_value md = mrb_obj_value(data);
  mrb_value frozen = mrb_str_dup(mrb, str);
  mrb_obj_freeze(mrb, frozen);
  mrb_iv_set(mrb, md, IV("__string"), frozen);
  mrb_iv_set(mrb, md, IV("__regexp"), regexp);
  return md;
}

/* An engine failure while matching (a limit it enforces) as Regexp::TimeoutError. */
static void
raise_match_error(mrb_state *mrb, int code)
{
  OnigUChar buf[ONIG_MAX_ERROR_MESSAGE_LEN];
  onig_error_code_to_str(buf, code);
  mrb_raisef(mrb, mrb_class_get_under(mrb, regexp_class, "TimeoutError"), "%s", (const char *)buf);
}

/* Runs the engine. `anchored` matches only at `from`; otherwise searches from `from`
 * toward `range` (a smaller range searches backward). Returns a new region or NULL. */
static OnigRegion *
run(mrb_state *mrb, struct regexp *re, mrb_value str, mrb_int from, mrb_int range, mrb_bool anchored)
{
  const OnigUChar *s = (const OnigUChar *)RSTRING_PTR(str);
  mrb_int len = RSTRING_LEN(str);
  if (from < 0 || from > len || range < 0 || range > len) return NULL;
  OnigRegion *region = onig_region_new();
  if (!region) mrb_raise(mrb, E_RUNTIME_ERROR, "no memory for a regexp match");
  int r = anchored ? onig_match(re->reg, s, s + len, s + from, region, ONIG_OPTION_NONE)
                   : onig_search(re->reg, s, s + len, s + from, s + range, region, ONIG_OPTION_NONE);
  if (r >= 0) return region;
  onig_region_free(region, 1);
  if (r != ONIG_MISMATCH) raise_match_error(mrb, r);
  return NULL;
}

/* Regexp#__search(str, byte_from, byte_range): MatchData or nil.
 * Regexp#__match_at(str, byte_pos): the same, matching only at byte_pos. */
static mrb_value
search_or_match(mrb_state *mrb, mrb_value self, mrb_bool anchored)
{
  mrb_value str;
  mrb_int from, range;
  if (anchored) {
    mrb_get_args(mrb, "Si", &str, &from);
    range = from;
  }
  else {
    mrb_get_args(mrb, "Sii", &str, &from, &range);
  }
  struct regexp *re = get_regexp(mrb, self);
  check_subject(mrb, str);
  OnigRegion *region = run(mrb, re, str, from, range, anchored);
  return region ? new_match(mrb, self, str, region) : mrb_nil_value();
}

static mrb_value
regexp_search(mrb_state *mrb, mrb_value self)
{
  return search_or_match(mrb, self, FALSE);
}

static mrb_value
regexp_match_at(mrb_state *mrb, mrb_value self)
{
  return search_or_match(mrb, self, TRUE);
}

/* Regexp#__test(str, byte_from): whether it matches anywhere from byte_from (no MatchData). */
static mrb_value
regexp_test(mrb_state *mrb, mrb_value self)
{
  mrb_value str;
  mrb_int from;
  mrb_get_args(mrb, "Si", &str, &from);
  struct regexp *re = get_regexp(mrb, self);
  check_subject(mrb, str);
  const OnigUChar *s = (const OnigUChar *)RSTRING_PTR(str);
  mrb_int len = RSTRING_LEN(str);
  if (from < 0 || from > len) return mrb_false_value();
  int r = onig_search(re->reg, s, s + len, s + from, s + len, NULL, ONIG_OPTION_NONE);
  if (r < 0 && r != ONIG_MISMATCH) raise_match_error(mrb, r);
  return mrb_bool_value(r >= 0);
}

/* Regexp#__scan(str, max = -1) { |md| }: yields every match (at most `max` when it is not
 * negative) from the start of `str`, in order, the way scan and gsub walk it: after an
 * empty match the next search starts one character further. The subject is checked once,
 * not per match. */
static mrb_value
regexp_scan(mrb_state *mrb, mrb_value self)
{
  mrb_value str, blk;
  mrb_int max = -1;
  mrb_get_args(mrb, "S|i&", &str, &max, &blk);
  struct regexp *re = get_regexp(mrb, self);
  check_subject(mrb, str);
  str = mrb_str_dup(mrb, str); /* the block may change the caller's String */
  mrb_int len = RSTRING_LEN(str);
  mrb_int pos = 0;
  int ai = mrb_gc_arena_save(mrb);
  for (mrb_int n = 0; pos <= len && (max < 0 || n < max); n++) {
    OnigRegion *region = run(mrb, re, str, pos, len, FALSE);
    if (!region) break;
    mrb_int beg = region->beg[0], end = region->end[0];
    mrb_yield(mrb, blk, new_match(mrb, self, str, region));
    mrb_gc_arena_restore(mrb, ai);
    if (end > beg) {
      pos = end;
    }
    else if (end >= len) {
      break;
    }
    else {
      pos = end + mrb_utf8len(RSTRING_PTR(str) + end, RSTRING_END(str));
    }
  }
  return mrb_nil_value();
}

/* --- reading a match ---------------------------------------------------------------- */

/* MatchData#__byte_range(n): [begin, end] in bytes, or nil when group n did not take part. */
static mrb_value
match_byte_range(mrb_state *mrb, mrb_value self)
{
  mrb_int n;
  mrb_get_args(mrb, "i", &n);
  OnigRegion *region = get_region(mrb, self);
  if (n < 0 || n >= region->num_regs) mrb_raisef(mrb, E_INDEX_ERROR, "index %d out of matches", (int)n);
  if (region->beg[n] < 0) return mrb_nil_value();
  mrb_value pair = mrb_ary_new_capa(mrb, 2);
  mrb_ary_push(mrb, pair, mrb_int_value(mrb, region->beg[n]));
  mrb_ary_push(mrb, pair, mrb_int_value(mrb, region->end[n]));
  return pair;
}

static mrb_value
match_size(mrb_state *mrb, mrb_value self)
{
  return mrb_int_value(mrb, get_region(mrb, self)->num_regs);
}

/* MatchData#__group(n): the text of group n, or nil. */
static mrb_value
match_group(mrb_state *mrb, mrb_value self)
{
  mrb_int n;
  mrb_get_args(mrb, "i", &n);
  OnigRegion *region = get_region(mrb, self);
  if (n < 0 || n >= region->num_regs || region->beg[n] < 0) return mrb_nil_value();
  mrb_value str = mrb_iv_get(mrb, self, IV("__string"));
  return mrb_str_byte_subseq(mrb, str, region->beg[n], region->end[n] - region->beg[n]);
}

/* The character offset of byte offset `byte` in `str`. */
static mrb_int
char_offset(mrb_value str, mrb_int byte)
{
  if (RSTR_ASCII_P(mrb_str_ptr(str))) return byte;
  return mrb_utf8_strlen(RSTRING_PTR(str), byte);
}

/* MatchData#__char_range(n): [begin, end] in characters, or nil. */
static mrb_value
match_char_range(mrb_state *mrb, mrb_value self)
{
  mrb_int n;
  mrb_get_args(mrb, "i", &n);
  OnigRegion *region = get_region(mrb, self);
  if (n < 0 || n >= region->num_regs) mrb_raisef(mrb, E_INDEX_ERROR, "index %d out of matches", (int)n);
  if (region->beg[n] < 0) return mrb_nil_value();
  mrb_value str = mrb_iv_get(mrb, self, IV("__string"));
  mrb_value pair = mrb_ary_new_capa(mrb, 2);
  mrb_ary_push(mrb, pair, mrb_int_value(mrb, char_offset(str, region->beg[n])));
  mrb_ary_push(mrb, pair, mrb_int_value(mrb, char_offset(str, region->end[n])));
  return pair;
}

static mrb_value
match_string(mrb_state *mrb, mrb_value self)
{
  get_region(mrb, self);
  return mrb_iv_get(mrb, self, IV("__string"));
}

static mrb_value
match_regexp(mrb_state *mrb, mrb_value self)
{
  get_region(mrb, self);
  return mrb_iv_get(mrb, self, IV("__regexp"));
}

/* --- the last match ----------------------------------------------------------------- */

/* Regexp.__last_match=(md): sets $~ and the globals derived from it ($&, $`, $', $1..$9,
 * $+). In CRuby these are frame-local; here they are global to the invocation. */
static mrb_value
regexp_s_set_last(mrb_state *mrb, mrb_value klass)
{
  mrb_value md = mrb_get_arg1(mrb);
  static const char *const groups[] = { "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9" };
  if (mrb_nil_p(md)) {
    mrb_gv_set(mrb, IV("$~"), md);
    mrb_gv_set(mrb, IV("$&"), md);
    mrb_gv_set(mrb, IV("$`"), md);
    mrb_gv_set(mrb, IV("$'"), md);
    mrb_gv_set(mrb, IV("$+"), md);
    for (int i = 0; i < 9; i++) mrb_gv_set(mrb, mrb_intern_cstr(mrb, groups[i]), md);
    return md;
  }
  /* Substrings share the subject's buffer, so a long subject is not copied per match. */
  OnigRegion *region = get_region(mrb, md);
  mrb_value str = mrb_iv_get(mrb, md, IV("__string"));
  mrb_int len = RSTRING_LEN(str);
  mrb_gv_set(mrb, IV("$~"), md);
  mrb_gv_set(mrb, IV("$&"), mrb_str_byte_subseq(mrb, str, region->beg[0], region->end[0] - region->beg[0]));
  mrb_gv_set(mrb, IV("$`"), mrb_str_byte_subseq(mrb, str, 0, region->beg[0]));
  mrb_gv_set(mrb, IV("$'"), mrb_str_byte_subseq(mrb, str, region->end[0], len - region->end[0]));
  mrb_value last = mrb_nil_value();
  for (int i = 1; i < region->num_regs; i++) {
    if (region->beg[i] >= 0) last = mrb_str_byte_subseq(mrb, str, region->beg[i], region->end[i] - region->beg[i]);
  }
  mrb_gv_set(mrb, IV("$+"), last);
  for (int i = 0; i < 9; i++) {
    int n = i + 1;
    mrb_value v = (n < region->num_regs && region->beg[n] >= 0)
                    ? mrb_str_byte_subseq(mrb, str, region->beg[n], region->end[n] - region->beg[n])
                    : mrb_nil_value();
    mrb_gv_set(mrb, mrb_intern_cstr(mrb, groups[i]), v);
  }
  return md;
}

void
mrb_mruby_kobako_regexp_gem_init(mrb_state *mrb)
{
  static OnigEncoding encodings[] = { ONIG_ENCODING_UTF8 };
  onig_initialize(encodings, 1);
  /* No engine-level retry limit: the sandbox's timeout bounds a runaway match, as it
   * bounds any other runaway code, and CRuby has no such limit by default either. */
  onig_set_retry_limit_in_match(ULONG_MAX);

  regexp_class = mrb_define_class(mrb, "Regexp", mrb->object_class);
  MRB_SET_INSTANCE_TT(regexp_class, MRB_TT_CDATA);
  mrb_undef_class_method(mrb, regexp_class, "allocate");
  mrb_define_const(mrb, regexp_class, "IGNORECASE", mrb_int_value(mrb, RE_IGNORECASE));
  mrb_define_const(mrb, regexp_class, "EXTENDED", mrb_int_value(mrb, RE_EXTENDED));
  mrb_define_const(mrb, regexp_class, "MULTILINE", mrb_int_value(mrb, RE_MULTILINE));
  mrb_define_class_method(mrb, regexp_class, "__compile", regexp_s_compile, MRB_ARGS_REQ(2));
  mrb_define_class_method(mrb, regexp_class, "__last_match=", regexp_s_set_last, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, regexp_class, "source", regexp_source, MRB_ARGS_NONE());
  mrb_define_method(mrb, regexp_class, "options", regexp_options, MRB_ARGS_NONE());
  mrb_define_method(mrb, regexp_class, "__names_by_hash", regexp_names, MRB_ARGS_NONE());
  mrb_define_method(mrb, regexp_class, "__group_count", regexp_group_count, MRB_ARGS_NONE());
  mrb_define_method(mrb, regexp_class, "__search", regexp_search, MRB_ARGS_REQ(3));
  mrb_define_method(mrb, regexp_class, "__match_at", regexp_match_at, MRB_ARGS_REQ(2));
  mrb_define_method(mrb, regexp_class, "__test", regexp_test, MRB_ARGS_REQ(2));
  mrb_define_method(mrb, regexp_class, "__scan", regexp_scan, MRB_ARGS_ARG(1, 1) | MRB_ARGS_BLOCK());

  struct RClass *regexp_error_class = mrb_class_get(mrb, "RegexpError");
  mrb_define_class_under(mrb, regexp_class, "TimeoutError", regexp_error_class);

  match_class = mrb_define_class(mrb, "MatchData", mrb->object_class);
  MRB_SET_INSTANCE_TT(match_class, MRB_TT_CDATA);
  mrb_undef_class_method(mrb, match_class, "new");
  mrb_undef_class_method(mrb, match_class, "allocate");
  mrb_define_method(mrb, match_class, "__byte_range", match_byte_range, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, match_class, "__char_range", match_char_range, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, match_class, "__group", match_group, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, match_class, "size", match_size, MRB_ARGS_NONE());
  mrb_define_method(mrb, match_class, "length", match_size, MRB_ARGS_NONE());
  mrb_define_method(mrb, match_class, "string", match_string, MRB_ARGS_NONE());
  mrb_define_method(mrb, match_class, "regexp", match_regexp, MRB_ARGS_NONE());
}

void
mrb_mruby_kobako_regexp_gem_final(mrb_state *mrb)
{
}
