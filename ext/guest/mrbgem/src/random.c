/* Seeding the guest's randomness for one invocation (Sandbox.new(seed:)). Without a seed
 * nothing here changes anything: Random keeps the state captured in the pre-initialised
 * image, Random.new without an argument starts from mruby's fixed state, srand without
 * one mixes in the (frozen) clock (and, for a Random instance, its own state rather than
 * its address). With a seed, kobako_reseed runs right before the
 * script: the default generator (rand, Random.rand, shuffle, sample, SecureRandom) gets a
 * state derived from the seed, and every Random.new / srand without an argument takes
 * the next state from the same seed stream, as CRuby takes fresh entropy there. */
#include <time.h>
#include <mruby.h>
#include <mruby/class.h>
#include <mruby/istruct.h>
#include <mruby/proc.h>
#include <mruby/variable.h>
#include "kobako_guest.h"

/* mruby-random keeps its generator state in the object's inline struct: xorshift96
 * (three words) on 32-bit targets such as wasm32, xoshiro128++ (four words) otherwise. */
#ifdef MRB_32BIT
# define STATE_WORDS 3
#else
# define STATE_WORDS 4
#endif

static mrb_bool seeded;
static uint64_t stream;

/* The originals that the wrappers below call first. */
static mrb_func_t orig_initialize, orig_srand, orig_default_srand;

/* SplitMix64: consecutive outputs for consecutive states, well mixed from any seed. */
static uint64_t
next_word(void)
{
  uint64_t z = (stream += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void
fill_state(mrb_value random)
{
  if (!mrb_istruct_p(random)) return;
  uint32_t *words = (uint32_t *)mrb_istruct_ptr(random);
  uint32_t any;
  do {
    uint64_t a = next_word(), b = next_word();
    uint32_t fresh[4] = {(uint32_t)a, (uint32_t)(a >> 32), (uint32_t)b, (uint32_t)(b >> 32)};
    any = 0;
    for (int i = 0; i < STATE_WORDS; i++) {
      words[i] = fresh[i];
      any |= fresh[i];
    }
  } while (any == 0); /* an all-zero state would only ever give zeros */
}

static mrb_value
default_random(mrb_state *mrb)
{
  mrb_sym id = mrb_intern_lit(mrb, "mruby_Random");
  struct RClass *random = mrb_class_get_id(mrb, id);
  return mrb_iv_get(mrb, mrb_obj_value(random), id);
}

void
kobako_reseed(mrb_state *mrb, uint64_t seed)
{
  seeded = TRUE;
  stream = seed;
  fill_state(default_random(mrb));
}

/* Random#initialize: without a seed argument, a seeded invocation's next state. */
static mrb_value
random_initialize(mrb_state *mrb, mrb_value self)
{
  mrb_bool fresh = mrb_get_argc(mrb) == 0;
  mrb_value result = orig_initialize(mrb, self);
  if (seeded && fresh) fill_state(self);
  return result;
}

/* The generator state of `random` folded into one word (0 if it has none). */
static uint64_t
state_word(mrb_value random)
{
  if (!mrb_istruct_p(random)) return 0;
  const uint32_t *words = (const uint32_t *)mrb_istruct_ptr(random);
  uint64_t folded = 0;
  for (int i = 0; i < STATE_WORDS; i++) folded = folded * UINT64_C(0x100000001b3) ^ words[i];
  return folded;
}

/* Random#srand. Without an argument and without a seed, mruby mixes the address of the
 * object's state into the new seed, so the result would depend on how the heap happens to
 * be laid out (which differs between a compiled and a cached script, say). The state is
 * derived instead from the generator's own state and the (frozen) clock: deterministic,
 * and still different from what it was. */
static mrb_value
random_srand(mrb_state *mrb, mrb_value self)
{
  mrb_bool fresh = mrb_get_argc(mrb) == 0;
  uint64_t before = fresh ? state_word(self) : 0;
  mrb_value result = orig_srand(mrb, self);
  if (fresh) {
    if (seeded) {
      fill_state(self);
    }
    else {
      uint64_t saved = stream;
      stream = before ^ (uint64_t)time(NULL);
      fill_state(self);
      stream = saved;
    }
  }
  return result;
}

/* Kernel#srand and Random.srand (the default generator). */
static mrb_value
default_srand(mrb_state *mrb, mrb_value self)
{
  mrb_bool fresh = mrb_get_argc(mrb) == 0;
  mrb_value result = orig_default_srand(mrb, self);
  if (seeded && fresh) fill_state(default_random(mrb));
  return result;
}

static mrb_func_t
c_method(mrb_state *mrb, struct RClass *klass, const char *name)
{
  struct RClass *c = klass;
  mrb_method_t m = mrb_method_search_vm(mrb, &c, mrb_intern_cstr(mrb, name));
  if (MRB_METHOD_UNDEF_P(m) || !MRB_METHOD_CFUNC_P(m)) {
    mrb_raisef(mrb, E_RUNTIME_ERROR, "kobako: mruby-random's %s is not a C method", name);
  }
  return MRB_METHOD_CFUNC(m);
}

void
kobako_random_init(mrb_state *mrb)
{
  struct RClass *random = mrb_class_get(mrb, "Random");
  struct RClass *meta = mrb_class_ptr(mrb_singleton_class(mrb, mrb_obj_value(random)));
  orig_initialize = c_method(mrb, random, "initialize");
  orig_srand = c_method(mrb, random, "srand");
  orig_default_srand = c_method(mrb, mrb->kernel_module, "srand");
  mrb_define_method(mrb, random, "initialize", random_initialize, MRB_ARGS_OPT(1));
  mrb_define_method(mrb, random, "srand", random_srand, MRB_ARGS_OPT(1));
  mrb_define_method(mrb, mrb->kernel_module, "srand", default_srand, MRB_ARGS_OPT(1));
  mrb_define_method(mrb, meta, "srand", default_srand, MRB_ARGS_OPT(1));
}
