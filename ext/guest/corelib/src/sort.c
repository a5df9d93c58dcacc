/* Array#sort! and the key sort behind Enumerable#sort_by, in C (issue 16, compute).
 * mruby 3.3 sorts with a merge sort written in Ruby and compares Arrays with a Ruby
 * Array#<=>, so sort_by over 100,000 Hashes took seconds. This is the same stable merge
 * sort (equal elements keep their order, as with mruby's), with Integer, Float and String
 * compared directly and everything else through <=> or the block. A comparison that
 * fails raises ArgumentError worded as CRuby words it ("comparison of Integer with String
 * failed"); NaN compares as failed, as in CRuby.
 *
 * The elements being sorted live in mruby Arrays made for the purpose (never reachable
 * from Ruby, never resized), so the collector sees them while a block runs, and a block
 * that raises or breaks leaves nothing behind. The receiver is only written at the end,
 * so a block that changes it cannot disturb the sort. */
#include <math.h>
#include <string.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/class.h>
#include <mruby/string.h>

#define INSERTION_RUN 8

struct sorter {
  mrb_value block; /* nil: compare with <=> */
  const mrb_value *keys; /* for the key sort: compare keys[index] (see sort_by_keys) */
};

/* What CRuby's message names for the right-hand operand: small values by inspect,
 * everything else by class. */
static mrb_value
operand_name(mrb_state *mrb, mrb_value v)
{
  switch (mrb_type(v)) {
  case MRB_TT_FALSE: case MRB_TT_TRUE: case MRB_TT_INTEGER: case MRB_TT_FLOAT: case MRB_TT_SYMBOL:
    return mrb_inspect(mrb, v);
  default:
    return mrb_str_new_cstr(mrb, mrb_obj_classname(mrb, v));
  }
}

static mrb_noreturn void
comparison_failed(mrb_state *mrb, mrb_value a, mrb_value b)
{
  mrb_raisef(mrb, E_ARGUMENT_ERROR, "comparison of %s with %v failed", mrb_obj_classname(mrb, a),
             operand_name(mrb, b));
}

/* The sign of what <=> or the block answered (CRuby's rb_cmpint). */
static int
sign_of(mrb_state *mrb, mrb_value r, mrb_value a, mrb_value b)
{
  if (mrb_integer_p(r)) {
    mrb_int i = mrb_integer(r);
    return i > 0 ? 1 : (i < 0 ? -1 : 0);
  }
  if (mrb_nil_p(r)) comparison_failed(mrb, a, b);
  mrb_value zero = mrb_fixnum_value(0);
  if (mrb_test(mrb_funcall_id(mrb, r, mrb_intern_lit(mrb, ">"), 1, zero))) return 1;
  if (mrb_test(mrb_funcall_id(mrb, r, mrb_intern_lit(mrb, "<"), 1, zero))) return -1;
  return 0;
}

static int
compare(mrb_state *mrb, struct sorter *s, mrb_value a, mrb_value b)
{
  if (!mrb_nil_p(s->block)) {
    mrb_value argv[2] = {a, b};
    return sign_of(mrb, mrb_yield_argv(mrb, s->block, 2, argv), a, b);
  }
  if (mrb_integer_p(a) && mrb_integer_p(b)) {
    mrb_int x = mrb_integer(a), y = mrb_integer(b);
    return x > y ? 1 : (x < y ? -1 : 0);
  }
  if (mrb_float_p(a) && mrb_float_p(b)) {
    mrb_float x = mrb_float(a), y = mrb_float(b);
    if (isnan(x) || isnan(y)) comparison_failed(mrb, a, b);
    return x > y ? 1 : (x < y ? -1 : 0);
  }
  if (mrb_string_p(a) && mrb_string_p(b)) {
    int c = mrb_str_cmp(mrb, a, b);
    return c > 0 ? 1 : (c < 0 ? -1 : 0);
  }
  return sign_of(mrb, mrb_funcall_id(mrb, a, mrb_intern_lit(mrb, "<=>"), 1, b), a, b);
}

/* Elements are either values (keys == NULL) or Integer indexes into keys. */
static int
compare_items(mrb_state *mrb, struct sorter *s, mrb_value a, mrb_value b)
{
  if (s->keys) return compare(mrb, s, s->keys[mrb_integer(a)], s->keys[mrb_integer(b)]);
  return compare(mrb, s, a, b);
}

/* Sorts v[lo, hi) stably, using tmp[lo, hi) as scratch. */
static void
merge_sort(mrb_state *mrb, struct sorter *s, mrb_value *v, mrb_value *tmp, mrb_int lo, mrb_int hi)
{
  if (hi - lo <= INSERTION_RUN) {
    for (mrb_int i = lo + 1; i < hi; i++) {
      mrb_value x = v[i];
      mrb_int j = i;
      while (j > lo && compare_items(mrb, s, v[j - 1], x) > 0) {
        v[j] = v[j - 1];
        j--;
      }
      v[j] = x;
    }
    return;
  }
  mrb_int mid = lo + (hi - lo) / 2;
  merge_sort(mrb, s, v, tmp, lo, mid);
  merge_sort(mrb, s, v, tmp, mid, hi);
  if (compare_items(mrb, s, v[mid - 1], v[mid]) <= 0) return; /* already in order */
  memcpy(tmp + lo, v + lo, sizeof(mrb_value) * (size_t)(mid - lo));
  mrb_int i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    if (compare_items(mrb, s, tmp[i], v[j]) <= 0) v[k++] = tmp[i++];
    else v[k++] = v[j++];
  }
  while (i < mid) v[k++] = tmp[i++];
}

/* Sorts the elements of `work` in place (scratch from a second Array of the same length). */
static void
sort_values(mrb_state *mrb, mrb_value work, struct sorter *s)
{
  mrb_int n = RARRAY_LEN(work);
  mrb_value scratch = mrb_ary_new_from_values(mrb, n, RARRAY_PTR(work));
  merge_sort(mrb, s, RARRAY_PTR(work), RARRAY_PTR(scratch), 0, n);
}

/* Array#sort! { |a, b| ... } */
static mrb_value
ary_sort_bang(mrb_state *mrb, mrb_value self)
{
  mrb_value block = mrb_nil_value();
  mrb_get_args(mrb, "&", &block);
  mrb_ary_modify(mrb, mrb_ary_ptr(self));
  if (RARRAY_LEN(self) < 2) return self;
  int ai = mrb_gc_arena_save(mrb);
  mrb_value work = mrb_ary_new_from_values(mrb, RARRAY_LEN(self), RARRAY_PTR(self));
  struct sorter s = {block, NULL};
  sort_values(mrb, work, &s);
  mrb_ary_replace(mrb, self, work);
  mrb_gc_arena_restore(mrb, ai);
  return self;
}

/* items.__kobako_sort_by_keys(keys): the items in the order of their keys (stable). */
static mrb_value
ary_sort_by_keys(mrb_state *mrb, mrb_value self)
{
  mrb_value keys;
  mrb_get_args(mrb, "A", &keys);
  mrb_int n = RARRAY_LEN(self);
  if (RARRAY_LEN(keys) != n) mrb_raise(mrb, E_ARGUMENT_ERROR, "sort_by: keys and items differ in number");
  /* Private copies: the comparisons run user code, which may reach the receiver. */
  mrb_value items = mrb_ary_new_from_values(mrb, n, RARRAY_PTR(self));
  mrb_value own_keys = mrb_ary_new_from_values(mrb, n, RARRAY_PTR(keys));
  mrb_value order = mrb_ary_new_capa(mrb, n);
  for (mrb_int i = 0; i < n; i++) mrb_ary_push(mrb, order, mrb_int_value(mrb, i));
  struct sorter s = {mrb_nil_value(), RARRAY_PTR(own_keys)};
  sort_values(mrb, order, &s);
  mrb_value *at = RARRAY_PTR(order);
  for (mrb_int i = 0; i < n; i++) at[i] = RARRAY_PTR(items)[mrb_integer(at[i])];
  return order;
}

void
kobako_sort_init(mrb_state *mrb)
{
  mrb_define_method(mrb, mrb->array_class, "sort!", ary_sort_bang, MRB_ARGS_BLOCK());
  mrb_define_method(mrb, mrb->array_class, "__kobako_sort_by_keys", ary_sort_by_keys, MRB_ARGS_REQ(1));
}
