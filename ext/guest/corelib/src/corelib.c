/* The few corelib methods that need libm or the bits of a double: Float#next_float,
 * Float#prev_float, Math.gamma and Math.lgamma (CRuby's results, including its exact
 * factorials for small integral arguments and its DomainError cases). */
#include <math.h>
#include <float.h>
#include <stdint.h>
#include <mruby.h>
#include <mruby/array.h>
#include <mruby/class.h>
#include <mruby/hash.h>
#include <mruby/string.h>
#include <mruby/variable.h>
#include <mruby/internal.h>

static mrb_value
flo_next_float(mrb_state *mrb, mrb_value self)
{
  return mrb_float_value(mrb, nextafter(mrb_float(self), HUGE_VAL));
}

static mrb_value
flo_prev_float(mrb_state *mrb, mrb_value self)
{
  return mrb_float_value(mrb, nextafter(mrb_float(self), -HUGE_VAL));
}

/* Doubles in their order as 64-bit integers (Range#bsearch on Floats searches these). */
static mrb_value
flo_ordinal(mrb_state *mrb, mrb_value self)
{
  union { double d; int64_t i; } u;
  u.d = mrb_float(self);
  if (u.i < 0) u.i = -(u.i & INT64_MAX);
  return mrb_int_value(mrb, (mrb_int)u.i);
}

static mrb_value
flo_s_from_ordinal(mrb_state *mrb, mrb_value self)
{
  mrb_int n;
  union { double d; int64_t i; } u;
  mrb_get_args(mrb, "i", &n);
  u.i = n < 0 ? (int64_t)((uint64_t)(-n) | ((uint64_t)1 << 63)) : n;
  return mrb_float_value(mrb, u.d);
}

static void
domain_error(mrb_state *mrb, const char *name)
{
  struct RClass *math = mrb_module_get(mrb, "Math");
  struct RClass *err = mrb_class_get_under(mrb, math, "DomainError");
  mrb_raisef(mrb, err, "Numerical argument is out of domain - %s", name);
}

static mrb_value
math_gamma(mrb_state *mrb, mrb_value self)
{
  mrb_float x;
  mrb_get_args(mrb, "f", &x);
  if (isinf(x) && signbit(x)) domain_error(mrb, "gamma");
  if (x == 0.0) return mrb_float_value(mrb, signbit(x) ? -HUGE_VAL : HUGE_VAL);
  if (x == floor(x)) {
    if (x < 0.0) domain_error(mrb, "gamma");
    if (x <= 24.0) {
      /* (x-1)! is exact in a double up to 22!, and CRuby answers from a table. */
      double fact = 1.0;
      for (int i = 2; i < (int)x; i++) fact *= i;
      return mrb_float_value(mrb, fact);
    }
  }
  return mrb_float_value(mrb, tgamma(x));
}

static mrb_value
math_lgamma(mrb_state *mrb, mrb_value self)
{
  mrb_float x;
  mrb_get_args(mrb, "f", &x);
  if (isinf(x)) {
    if (signbit(x)) domain_error(mrb, "lgamma");
    return mrb_assoc_new(mrb, mrb_float_value(mrb, HUGE_VAL), mrb_fixnum_value(1));
  }
  if (x == 0.0) {
    return mrb_assoc_new(mrb, mrb_float_value(mrb, HUGE_VAL), mrb_fixnum_value(signbit(x) ? -1 : 1));
  }
  int sign = 1;
  double v = lgamma_r(x, &sign);
  return mrb_assoc_new(mrb, mrb_float_value(mrb, v), mrb_fixnum_value(sign < 0 ? -1 : 1));
}

/* Module#set_temporary_name's storage: the name mruby's Module#name reads. */
static mrb_value
mod_set_temporary_name(mrb_state *mrb, mrb_value self)
{
  mrb_value name;
  mrb_sym classname = mrb_intern_lit(mrb, "__classname__");
  mrb_sym temporary = mrb_intern_lit(mrb, "__kobako_temporary__");
  mrb_get_args(mrb, "o", &name);
  if (!mrb_obj_iv_defined(mrb, mrb_obj_ptr(self), temporary) && !mrb_nil_p(mrb_class_path(mrb, mrb_class_ptr(self)))) {
    mrb_raise(mrb, E_RUNTIME_ERROR, "can't change permanent name");
  }
  if (mrb_nil_p(name)) {
    mrb_iv_remove(mrb, self, classname);
    mrb_iv_remove(mrb, self, temporary);
  }
  else {
    mrb_obj_iv_set_force(mrb, mrb_obj_ptr(self), classname, mrb_str_dup(mrb, name));
    mrb_obj_iv_set_force(mrb, mrb_obj_ptr(self), temporary, mrb_true_value());
  }
  return self;
}

/* Hash#compare_by_identity and #compare_by_identity? (the flag is read by hash.c). */
static mrb_value
hash_compare_by_identity(mrb_state *mrb, mrb_value self)
{
  struct RHash *h = mrb_hash_ptr(self);
  if (h->flags & MRB_HASH_KOBAKO_IDENTITY) return self;
  mrb_check_frozen(mrb, h);
  h->flags |= MRB_HASH_KOBAKO_IDENTITY;
  mrb_funcall_argv(mrb, self, mrb_intern_lit(mrb, "rehash"), 0, NULL);
  return self;
}

static mrb_value
hash_compare_by_identity_p(mrb_state *mrb, mrb_value self)
{
  return mrb_bool_value((mrb_hash_ptr(self)->flags & MRB_HASH_KOBAKO_IDENTITY) != 0);
}

/* Exception#cause, set by the raise patch (patches/exception_cause.rb) or raise(cause:). */
static mrb_value
exc_cause(mrb_state *mrb, mrb_value self)
{
  mrb_sym cause = mrb_intern_lit(mrb, "__kobako_cause__");
  if (!mrb_obj_iv_defined(mrb, mrb_obj_ptr(self), cause)) return mrb_nil_value();
  return mrb_obj_iv_get(mrb, mrb_obj_ptr(self), cause);
}

static mrb_value
exc_set_cause(mrb_state *mrb, mrb_value self)
{
  mrb_value cause;
  mrb_get_args(mrb, "o", &cause);
  if (!mrb_nil_p(cause) && mrb_type(cause) != MRB_TT_EXCEPTION) {
    mrb_raise(mrb, E_TYPE_ERROR, "exception object expected");
  }
  mrb_obj_iv_set(mrb, mrb_obj_ptr(self), mrb_intern_lit(mrb, "__kobako_cause__"), cause);
  return self;
}

void kobako_sort_init(mrb_state *mrb);

void
mrb_mruby_kobako_corelib_gem_init(mrb_state *mrb)
{
  kobako_sort_init(mrb);
  struct RClass *math = mrb_module_get(mrb, "Math");
  mrb_define_method(mrb, mrb->float_class, "next_float", flo_next_float, MRB_ARGS_NONE());
  mrb_define_method(mrb, mrb->float_class, "prev_float", flo_prev_float, MRB_ARGS_NONE());
  mrb_define_method(mrb, mrb->float_class, "__kobako_ordinal", flo_ordinal, MRB_ARGS_NONE());
  mrb_define_class_method(mrb, mrb->float_class, "__kobako_from_ordinal", flo_s_from_ordinal, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, mrb->module_class, "__kobako_set_temporary_name", mod_set_temporary_name, MRB_ARGS_REQ(1));
  mrb_define_method(mrb, mrb->hash_class, "compare_by_identity", hash_compare_by_identity, MRB_ARGS_NONE());
  mrb_define_method(mrb, mrb->hash_class, "compare_by_identity?", hash_compare_by_identity_p, MRB_ARGS_NONE());
  mrb_define_method(mrb, mrb->eException_class, "cause", exc_cause, MRB_ARGS_NONE());
  mrb_define_method(mrb, mrb->eException_class, "__kobako_set_cause", exc_set_cause, MRB_ARGS_REQ(1));
  mrb_define_module_function(mrb, math, "gamma", math_gamma, MRB_ARGS_REQ(1));
  mrb_define_module_function(mrb, math, "lgamma", math_lgamma, MRB_ARGS_REQ(1));
}

void
mrb_mruby_kobako_corelib_gem_final(mrb_state *mrb)
{
}
