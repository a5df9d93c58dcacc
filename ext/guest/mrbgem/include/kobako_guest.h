/* Interface between the C half of the guest (mruby glue) and its Rust half
 * (the wasm ABI, framing and the MessagePack writer). */
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
void kobako_mp_array_header(kobako_writer *w, uint32_t len);
void kobako_mp_map_header(kobako_writer *w, uint32_t len);
size_t kobako_mp_len(kobako_writer *w);
void kobako_mp_truncate(kobako_writer *w, size_t len);

/* C entry points called by the Rust half. */
mrb_state *kobako_open(void);
/* Compiles and runs `src` under `filename`, then writes the outcome (tag byte + msgpack). */
void kobako_eval(mrb_state *mrb, const char *src, size_t len, const char *filename, kobako_writer *w);
/* Writes an error outcome that did not come from a Ruby exception. */
void kobako_write_error(kobako_writer *w, const char *origin, const char *klass, const char *message);

#endif
