/* Interface between the C half of the guest (mruby glue) and its Rust half
 * (the wasm ABI, framing, the MessagePack writer and reader). */
#ifndef KOBAKO_GUEST_H
#define KOBAKO_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <mruby.h>

/* Deepest container nesting a value may have when it crosses the boundary (contract A-4). */
#define KOBAKO_MAX_DEPTH 128

/* Outcome tags: the first byte of every outcome buffer. */
#define KOBAKO_OUTCOME_VALUE 0
#define KOBAKO_OUTCOME_ERROR 1

/* The ivar (not a Ruby-visible @name) where a ServiceError keeps the id under which the
 * host recorded the failure; the error outcome carries it back so the host-side error can
 * have the original exception as its cause. */
#define KOBAKO_FAULT_IVAR "__kobako_fault"

/* MessagePack ext types (contract W-3). */
#define KOBAKO_EXT_SYMBOL 0
#define KOBAKO_EXT_HANDLE 1
#define KOBAKO_EXT_FAULT 2
/* Value types beyond JSON's (ext/guest/src/msgpack.rs and docs/values.md). */
#define KOBAKO_EXT_INTEGER 3
#define KOBAKO_EXT_BIGDECIMAL 4
#define KOBAKO_EXT_RATIONAL 5
#define KOBAKO_EXT_COMPLEX 6
#define KOBAKO_EXT_DATE 7
#define KOBAKO_EXT_TIME 8
#define KOBAKO_EXT_SET 9
#define KOBAKO_EXT_RANGE 10
#define KOBAKO_EXT_RECORD 11

/* MessagePack writer owned by the Rust half. C only ever sees an opaque pointer. */
typedef struct kobako_writer kobako_writer;

void kobako_mp_byte(kobako_writer *w, uint8_t byte);
void kobako_mp_nil(kobako_writer *w);
void kobako_mp_bool(kobako_writer *w, int value);
void kobako_mp_int(kobako_writer *w, int64_t value);
void kobako_mp_float(kobako_writer *w, double value);
/* Valid UTF-8 is written as a msgpack str, anything else as bin. */
void kobako_mp_string(kobako_writer *w, const char *ptr, size_t len);
void kobako_mp_symbol(kobako_writer *w, const char *ptr, size_t len);
void kobako_mp_handle(kobako_writer *w, uint32_t id);
void kobako_mp_array_header(kobako_writer *w, uint32_t len);
void kobako_mp_map_header(kobako_writer *w, uint32_t len);
size_t kobako_mp_len(kobako_writer *w);
void kobako_mp_truncate(kobako_writer *w, size_t len);
/* Wraps everything written since `start` into an ext value of type `kind`. */
void kobako_mp_wrap_ext(kobako_writer *w, size_t start, int8_t kind);
/* Opens an ext value whose payload is written next, in place; kobako_mp_end_ext closes it. */
size_t kobako_mp_begin_ext(kobako_writer *w, int8_t kind);
void kobako_mp_end_ext(kobako_writer *w, size_t mark);
/* Bytes as they are (an ext's text payload). */
void kobako_mp_raw(kobako_writer *w, const char *ptr, size_t len);

/* One item pulled from a MessagePack buffer (layout shared with the Rust reader). */
enum kobako_token_kind {
  KOBAKO_TOKEN_NIL = 0, KOBAKO_TOKEN_FALSE, KOBAKO_TOKEN_TRUE, KOBAKO_TOKEN_INT,
  KOBAKO_TOKEN_FLOAT, KOBAKO_TOKEN_STR, KOBAKO_TOKEN_BIN, KOBAKO_TOKEN_ARRAY,
  KOBAKO_TOKEN_MAP, KOBAKO_TOKEN_EXT
};
struct kobako_token {
  uint32_t kind;
  uint32_t len;        /* elements of an Array/Map, bytes of Str/Bin/Ext data */
  int64_t integer;     /* an Int's value, an Ext's type */
  double flt;
  const uint8_t *ptr;  /* Str/Bin/Ext data, inside the buffer being read */
};
/* Reads the token at *pos and advances it. Returns NULL, or a static message on error. */
const char *kobako_mp_next(const uint8_t *buf, size_t len, size_t *pos, struct kobako_token *tok);

/* Shared scratch writer for requests to the host and block results. The host copies
 * what it is given before anything else runs, so one buffer serves every nesting level. */
kobako_writer *kobako_wire_writer(void);
/* Sends the request in `req` to env.__kobako_dispatch; the response is allocated in guest memory and
 * must be released with kobako_free. */
void kobako_host_send(kobako_writer *req, const uint8_t **resp, size_t *resp_len);
void kobako_free(const uint8_t *ptr, size_t len);

/* C entry points called by the Rust half. An invocation first prepares the interpreter
 * (kobako_prepare, kobako_load.h) unless it starts from an image that is already prepared,
 * then evaluates a script or calls an entrypoint. */
mrb_state *kobako_open(void);
/* Compiles and runs `src` under `filename` and writes the outcome (kobako_outcome.h). With
 * `keep`, the compiled bytecode is handed to the host (kobako_keep_bytecode) before it runs. */
void kobako_eval(mrb_state *mrb, const char *src, size_t len, const char *filename, mrb_bool keep,
                 kobako_writer *w);
/* Runs bytecode that kobako_eval handed to the host for an earlier invocation of the same
 * source (verified again first) and writes the outcome as kobako_eval would. */
void kobako_eval_compiled(mrb_state *mrb, const uint8_t *bin, size_t len, kobako_writer *w);
/* Passes freshly compiled bytecode to the host's compile cache (env.__kobako_compiled).
 * The host copies it during the call. */
void kobako_keep_bytecode(const uint8_t *bin, size_t len);
/* Calls the entrypoint the run envelope [name, args, kwargs] names and writes the outcome. */
void kobako_run(mrb_state *mrb, const uint8_t *envelope, size_t envelope_len, kobako_writer *w);
/* Collects all garbage, so a snapshot taken next holds only live objects. */
void kobako_settle(mrb_state *mrb);
/* Runs the block a host Service yielded to; writes the block's result or a fault. */
void kobako_yield(mrb_state *mrb, const uint8_t *req, size_t len, kobako_writer *w);
/* Checks untrusted RITE bytecode (Rust, src/rite.rs). Returns NULL if it is safe to load,
 * else why not (valid until the next call). */
const char *kobako_rite_verify(const uint8_t *bin, size_t len);
/* Writes an error outcome that did not come from a Ruby exception. */
void kobako_write_error(kobako_writer *w, const char *origin, const char *klass, const char *message);
/* Defines the Service constants the preamble lists; raises if it is malformed. */
void kobako_install_services(mrb_state *mrb, const uint8_t *preamble, size_t len);
/* Reads this invocation's slots frame into the slot proxies (raises if malformed). */
void kobako_fill_slots(mrb_state *mrb, const uint8_t *frame, size_t len);
/* Keeps the slots frame to read when a slot is first used; NULL when the run ends. */
void kobako_defer_slots(const uint8_t *frame, size_t len);

/* Set-up of each part of the gem (gem.c). */
void kobako_output_init(mrb_state *mrb, struct RClass *kobako);
void kobako_proxy_init(mrb_state *mrb, struct RClass *kobako);
void kobako_service_init(mrb_state *mrb, struct RClass *kobako);
/* Wraps Random#initialize and the srand methods so a seeded invocation's fresh
 * generators come from its seed (random.c). */
void kobako_random_init(mrb_state *mrb);
/* Seeds the default generator and the stream fresh generators draw from. */
void kobako_reseed(mrb_state *mrb, uint64_t seed);

#endif
