/* Tiny text helpers (no libc): decimal and hex formatting into caller buffers. */
#ifndef JB_TEXT_H
#define JB_TEXT_H
#include <stdint.h>

/* Each returns the number of characters written (no terminator is counted; one is written). */
int fmt_u64(char *dst, uint64_t v);
int fmt_i32(char *dst, int32_t v);
int fmt_hex32(char *dst, uint32_t v);
/* value/128 exactly, e.g. -0.0078125 (at most 7 decimals are ever needed). */
int fmt_q7(char *dst, int8_t v);
int parse_u32(const char *s, uint32_t *out);
int hex_nibble(char c);

#endif
