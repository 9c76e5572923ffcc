#include "model.h"
#include "kernels.h"

static const jb_conv_shape_t l1 = {16, 16, 3, 8, 3, 7, JB_KERNEL_STANDARD, 0};
static const jb_conv_shape_t l2 = {14, 14, 8, 8, 3, 6, JB_KERNEL_DEPTHWISE, 0};
static const jb_conv_shape_t l3 = {12, 12, 8, 8, 1, 6, JB_KERNEL_SHIFT_POINTWISE, 0};

static int8_t w1[8 * 3 * 3 * 3], w2[3 * 3 * 8], w3[8 * 8];
static int32_t b1[8], b2[8], b3[8];
static int8_t act0[16 * 16 * 3], act1[14 * 14 * 8], act2[12 * 12 * 8], act3[12 * 12 * 8];

uint32_t xorshift32(uint32_t *state)
{
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

static void fill_weights(uint32_t *st, int8_t *w, int n)
{
  for (int i = 0; i < n; i++) w[i] = (int8_t)((int8_t)(xorshift32(st) >> 24) >> 2);
}

static void fill_bias(uint32_t *st, int32_t *b, int n)
{
  for (int i = 0; i < n; i++) b[i] = (int8_t)(xorshift32(st) >> 24);
}

void model_init(void)
{
  uint32_t st = JB_MODEL_SEED;
  fill_weights(&st, w1, sizeof w1);
  fill_bias(&st, b1, 8);
  fill_weights(&st, w2, sizeof w2);
  fill_bias(&st, b2, 8);
  fill_weights(&st, w3, sizeof w3);
  fill_bias(&st, b3, 8);
}

void model_infer(const uint8_t *input, int8_t *outputs)
{
  for (int i = 0; i < JB_MODEL_INPUT_BYTES; i++) act0[i] = (int8_t)(input[i] - 128);
  jb_conv_std_s8(&l1, act0, w1, b1, act1);
  jb_conv_dw_s8(&l2, act1, w2, b2, act2);
  jb_conv_shift_pw_s8(&l3, act2, w3, b3, act3);
  for (int c = 0; c < JB_MODEL_OUTPUTS; c++) {
    int32_t sum = 0;
    for (int p = 0; p < 12 * 12; p++) sum += act3[p * 8 + c];
    outputs[c] = (int8_t)(sum / (12 * 12));
  }
}
