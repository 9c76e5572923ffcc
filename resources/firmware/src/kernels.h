/*
 * int8 convolution kernels of our own, NHWC layout, stride 1, no padding.
 * Requantisation is a rounding arithmetic right shift: out = sat8((acc + bias + 2^(r-1)) >> r).
 * MACs (what latency is plotted against):
 *   standard   Ho*Wo*Cout*K*K*Cin        weights [Cout][K][K][Cin]
 *   depthwise  Ho*Wo*C*K*K               weights [K][K][C]       (Cout == Cin)
 *   shift+pw   H*W*Cout*Cin              weights [Cout][Cin]     (K ignored; shift costs no MACs)
 * with Ho = H-K+1, Wo = W-K+1. The shift stage moves channel c by (dy,dx) = ((c%9)/3-1, (c%9)%3-1)
 * with zero fill, and is folded into the pointwise loop's addressing, as shift networks intend.
 */
#ifndef JB_KERNELS_H
#define JB_KERNELS_H
#include <stdint.h>

typedef struct {
  uint16_t h, w;
  uint16_t cin, cout;
  uint8_t k;
  uint8_t rshift;
  uint8_t kind; /* jb_kernel_kind_t, for tables of cases; the kernels ignore it */
  uint8_t reserved;
} jb_conv_shape_t;

typedef enum { JB_KERNEL_STANDARD = 1, JB_KERNEL_DEPTHWISE = 2, JB_KERNEL_SHIFT_POINTWISE = 3 } jb_kernel_kind_t;

void jb_conv_std_s8(const jb_conv_shape_t *s, const int8_t *in, const int8_t *w, const int32_t *bias, int8_t *out);
void jb_conv_dw_s8(const jb_conv_shape_t *s, const int8_t *in, const int8_t *w, const int32_t *bias, int8_t *out);
void jb_conv_shift_pw_s8(const jb_conv_shape_t *s, const int8_t *in, const int8_t *w, const int32_t *bias, int8_t *out);

/* Exactly 2n+2 instructions for n >= 1 (movs, then subs+bne per turn, then bx lr): the reference for
   instruction counting. */
void jb_spin(uint32_t n);

#endif
