/*
 * "jbconv01", the network the DUT firmware runs for `infer`: 16x16x3 u8 input (x-128 to int8),
 * standard 3x3 conv 3->8 (r=7), depthwise 3x3 on 8 channels (r=6), shift + pointwise 8->8 (r=6),
 * global average pool (sum / 144, truncated toward zero): 8 int8 outputs reported as value/128.
 * Weights and biases come from xorshift32 (x ^= x<<13; x ^= x>>17; x ^= x<<5) seeded with
 * JB_MODEL_SEED, drawn in order L1 weights, L1 bias, L2 weights, L2 bias, L3 weights, L3 bias:
 * weight = (int8)(x>>24) >> 2 (range -32..31), bias = (int8)(x>>24).
 */
#ifndef JB_MODEL_H
#define JB_MODEL_H
#include <stdint.h>

#define JB_MODEL_INPUT_BYTES (16 * 16 * 3)
#define JB_MODEL_OUTPUTS 8
#define JB_MODEL_SEED 0x4A420001u

void model_init(void);
void model_infer(const uint8_t *input, int8_t *outputs);

uint32_t xorshift32(uint32_t *state);

#endif
