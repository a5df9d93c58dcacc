/*
 * Runtime support for setjmp/longjmp lowered to wasm exception handling
 * (clang -mllvm -wasm-enable-sjlj). mruby raises Ruby exceptions with longjmp.
 * The Rust toolchain's self-contained wasi-libc does not ship these symbols, so the
 * guest provides them. The calling convention is fixed by LLVM's lowering pass:
 *   __wasm_setjmp(env, label, frame_id)   records which call frame owns `env`
 *   __wasm_setjmp_test(env, frame_id)     the label if `env` belongs to that frame, else 0
 *   __wasm_longjmp(env, value)            throws tag __c_longjmp carrying (env, value)
 */
#include <stdint.h>
#include <stddef.h>

#ifdef __wasm_exception_handling__
__asm__(
  ".globl __c_longjmp\n"
  ".tagtype __c_longjmp i32\n"
  "__c_longjmp:\n");
#endif

/* Layout we keep inside the caller's jmp_buf (wasi-libc's jmp_buf is larger). */
struct kobako_jmp_state {
  void *frame_id;
  uint32_t label;
  struct { void *env; int value; } payload; /* what the thrown exception points at */
};

void __wasm_setjmp(void *env, uint32_t label, void *frame_id)
{
  struct kobako_jmp_state *state = env;
  if (label == 0 || frame_id == NULL) __builtin_trap();
  state->frame_id = frame_id;
  state->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *frame_id)
{
  struct kobako_jmp_state *state = env;
  return state->frame_id == frame_id ? state->label : 0;
}

void __wasm_longjmp(void *env, int value)
{
  struct kobako_jmp_state *state = env;
  state->payload.env = env;
  state->payload.value = value == 0 ? 1 : value;
  __builtin_wasm_throw(1, &state->payload);
}
