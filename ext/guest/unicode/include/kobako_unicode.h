/* Tables generated at build time by ext/guest/unicode/tables.rb (see casemap.c). */
#ifndef KOBAKO_UNICODE_H
#define KOBAKO_UNICODE_H

#include <stdint.h>

/* A run of code points mapped alike: first, first + stride, ... (count of them). kind 0:
 * the result is cp + value; kind 1: the result is kobako_case_pool[value >> 2], value & 3
 * code points long. */
struct kobako_case_range {
  uint32_t first;
  uint16_t count;
  uint8_t stride;
  uint8_t kind;
  int32_t value;
};

extern const char kobako_unicode_version[];
extern const uint32_t kobako_case_pool[];
/* Full mappings of upcase and downcase; exceptions to the derived fold (= downcase),
 * title (= upcase) and swap (downcase if it changes the character, else upcase). */
extern const struct kobako_case_range kobako_case_up[], kobako_case_down[], kobako_case_fold[],
  kobako_case_title[], kobako_case_swap[];
extern const int kobako_case_up_size, kobako_case_down_size, kobako_case_fold_size,
  kobako_case_title_size, kobako_case_swap_size;

enum kobako_casemode { M_UP, M_DOWN, M_FOLD, M_TITLE, M_SWAP };
enum { OPT_ASCII = 1, OPT_TURKIC = 2, OPT_FOLD = 4 };

/* What code point cp becomes in a mode (OPT_ASCII / OPT_TURKIC in opts): 1..3 code points
 * written to out, their number returned. */
int kobako_case_map_char(uint32_t cp, enum kobako_casemode mode, int opts, uint32_t out[3]);
/* Strict UTF-8: the length of the valid character at p (its code point in *cp), or 0. */
int kobako_utf8_decode(const unsigned char *p, const unsigned char *e, uint32_t *cp);
int kobako_utf8_encode(uint32_t cp, char *out);
int kobako_utf8_len(uint32_t cp);

/* Normalization tables (tables.rb normalize_c). */
struct kobako_ccc_range { uint32_t first; uint16_t count; uint8_t ccc; };
struct kobako_composite { uint32_t first, second, composite; };
extern const struct kobako_ccc_range kobako_ccc[];
extern const int kobako_ccc_size;
/* (cp << 8 | UTF-8 length of its full decomposition), sorted; offsets into the pool. */
extern const uint32_t kobako_nfd_keys[], kobako_nfkd_keys[];
extern const uint16_t kobako_nfd_offsets[], kobako_nfkd_offsets[];
extern const int kobako_nfd_size, kobako_nfkd_size;
extern const unsigned char kobako_decomp_pool[];
extern const struct kobako_composite kobako_composites[];
extern const int kobako_composites_size;

#endif
