#include "text.h"

int fmt_u64(char *dst, uint64_t v)
{
  char tmp[21];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++) dst[i] = tmp[n - 1 - i];
  dst[n] = 0;
  return n;
}

int fmt_i32(char *dst, int32_t v)
{
  if (v < 0) {
    dst[0] = '-';
    return 1 + fmt_u64(dst + 1, (uint64_t)(-(int64_t)v));
  }
  return fmt_u64(dst, (uint64_t)v);
}

int fmt_hex32(char *dst, uint32_t v)
{
  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 8; i++) dst[i] = digits[(v >> (28 - 4 * i)) & 0xF];
  dst[8] = 0;
  return 8;
}

int fmt_q7(char *dst, int8_t v)
{
  int n = 0;
  int32_t m = v;
  if (m < 0) {
    dst[n++] = '-';
    m = -m;
  }
  dst[n++] = (char)('0' + m / 128);
  /* The fraction (m % 128)/128 has exactly 7 decimals: scale by 10^7/128 = 78125. */
  uint32_t frac = (uint32_t)(m % 128) * 78125u;
  dst[n++] = '.';
  char digits[7];
  for (int i = 6; i >= 0; i--) {
    digits[i] = (char)('0' + frac % 10);
    frac /= 10;
  }
  int last = 6;
  while (last > 0 && digits[last] == '0') last--;
  for (int i = 0; i <= last; i++) dst[n++] = digits[i];
  dst[n] = 0;
  return n;
}

int parse_u32(const char *s, uint32_t *out)
{
  uint32_t v = 0;
  if (!*s) return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return 0;
    uint32_t next = v * 10u + (uint32_t)(*s - '0');
    if (next / 10u != v) return 0;
    v = next;
  }
  *out = v;
  return 1;
}

int hex_nibble(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
