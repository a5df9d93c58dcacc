/* Loading code into the interpreter: scripts, source snippets and bytecode snippets. */
#ifndef KOBAKO_LOAD_H
#define KOBAKO_LOAD_H

#include <mruby.h>
#include "kobako_guest.h"

/* Compiles and runs `src` at top level under `filename`. Returns TRUE with the value of its
 * last expression in *result, or FALSE after writing the failure as the outcome; `context`
 * (or NULL) prefixes the message of an exception it raised. With `keep`, the bytecode is
 * dumped and handed to the host before anything runs. */
mrb_bool kobako_load_source(mrb_state *mrb, const char *src, size_t len, const char *filename,
                            const char *context, mrb_bool keep, kobako_writer *w, mrb_value *result);

/* Verifies and runs RITE bytecode at top level. Bytecode the verifier refuses is written as
 * a Kobako::BytecodeError refusal naming `label`; otherwise as kobako_load_source. */
mrb_bool kobako_load_bytecode(mrb_state *mrb, const uint8_t *bin, size_t len, const char *label,
                              const char *context, kobako_writer *w, mrb_value *result);

/* Verifies bytecode an earlier kobako_load_source kept, then runs it exactly as that call
 * ran the code it compiled (same target class, same frame), so the outcome is the same. */
mrb_bool kobako_load_kept(mrb_state *mrb, const uint8_t *bin, size_t len, kobako_writer *w, mrb_value *result);

/* Makes this interpreter a session's: from now on the user's script keeps its top-level
 * locals from one eval to the next (Kobako::Session). */
void kobako_session_begin(mrb_state *mrb);

/* Brackets the load of the user's script (the only load that reads or keeps session locals). */
void kobako_loading_script(mrb_bool on);

/* The two halves of kobako_prepare: the Service constants, then the snippets. */
mrb_bool kobako_install(mrb_state *mrb, const uint8_t *preamble, size_t preamble_len, kobako_writer *w);
mrb_bool kobako_replay(mrb_state *mrb, const uint8_t *snippets, size_t snippets_len, kobako_writer *w);

/* Installs the Services of `preamble` and replays the snippets frame in order. Returns
 * FALSE after writing the outcome if either failed. Remembers which top-level constants
 * existed before the snippets ran (kobako_constants_before_snippets). */
mrb_bool kobako_prepare(mrb_state *mrb, const uint8_t *preamble, size_t preamble_len,
                        const uint8_t *snippets, size_t snippets_len, kobako_writer *w);

/* The top-level constants that existed before the snippets ran (an Array of Symbols), or
 * nil when there were no snippets. Set by kobako_prepare; kept alive across invocations of
 * a prepared image. */
mrb_value kobako_constants_before_snippets(void);

/* Object's own constants (the top-level ones), in table order; runs under mrb_protect. */
mrb_value kobako_top_constants(mrb_state *mrb, void *unused);

#endif
