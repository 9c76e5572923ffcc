#include "kernels.h"

static inline int8_t requantise(int32_t acc, uint8_t rshift)
{
  if (rshift) acc = (acc + (1 << (rshift - 1))) >> rshift;
  if (acc > 127) return 127;
  if (acc < -128) return -128;
  return (int8_t)acc;
}

void __attribute__((noinline)) jb_conv_std_s8(const jb_conv_shape_t *s, const int8_t *in, const int8_t *w,
                                                const int32_t *bias, int8_t *out)
{
  const int ho = s->h - s->k + 1, wo = s->w - s->k + 1, k = s->k, cin = s->cin, cout = s->cout;
  for (int y = 0; y < ho; y++)
    for (int x = 0; x < wo; x++)
      for (int co = 0; co < cout; co++) {
        int32_t acc = bias[co];
        const int8_t *wk = w + co * k * k * cin;
        for (int ky = 0; ky < k; ky++) {
          const int8_t *row = in + ((y + ky) * s->w + x) * cin;
          for (int i = 0; i < k * cin; i++) acc += row[i] * wk[i];
          wk += k * cin;
        }
        out[(y * wo + x) * cout + co] = requantise(acc, s->rshift);
      }
}

void __attribute__((noinline)) jb_conv_dw_s8(const jb_conv_shape_t *s, const int8_t *in, const int8_t *w,
                                               const int32_t *bias, int8_t *out)
{
  const int ho = s->h - s->k + 1, wo = s->w - s->k + 1, k = s->k, c = s->cin;
  for (int y = 0; y < ho; y++)
    for (int x = 0; x < wo; x++)
      for (int ch = 0; ch < c; ch++) {
        int32_t acc = bias[ch];
        for (int ky = 0; ky < k; ky++)
          for (int kx = 0; kx < k; kx++) acc += in[((y + ky) * s->w + x + kx) * c + ch] * w[(ky * k + kx) * c + ch];
        out[(y * wo + x) * c + ch] = requantise(acc, s->rshift);
      }
}

void __attribute__((noinline)) jb_conv_shift_pw_s8(const jb_conv_shape_t *s, const int8_t *in, const int8_t *w,
                                                     const int32_t *bias, int8_t *out)
{
  const int h = s->h, wd = s->w, cin = s->cin, cout = s->cout;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < wd; x++)
      for (int co = 0; co < cout; co++) {
        int32_t acc = bias[co];
        const int8_t *wk = w + co * cin;
        for (int ci = 0; ci < cin; ci++) {
          const int g = ci % 9;
          const int sy = y + g / 3 - 1, sx = x + g % 3 - 1;
          if (sy < 0 || sy >= h || sx < 0 || sx >= wd) continue;
          acc += in[(sy * wd + sx) * cin + ci] * wk[ci];
        }
        out[(y * wd + x) * cout + co] = requantise(acc, s->rshift);
      }
}

void __attribute__((naked, noinline)) jb_spin(uint32_t n)
{
  (void)n;
  __asm volatile(
      "   movs r1, #0\n" /* keeps the loop head off the entry address, so an entry breakpoint hits once */
      "1: subs r0, r0, #1\n"
      "   bne 1b\n"
      "   bx lr\n");
}
