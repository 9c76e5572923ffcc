/*
 * Selftest firmware for the debug-probe tests: semihosting output and exit code, RTT traffic in both
 * directions, and the kernel cases a host times with breakpoints. Checkpoints are empty functions a
 * host sets breakpoints on; the host may rewrite the volatile inputs below before letting it run.
 */
#include "board.h"
#include "kernels.h"
#include "model.h"
#include "rtt.h"
#include "semihost.h"
#include "text.h"

volatile uint32_t jb_exit_code = 42;
volatile uint32_t jb_spin_turns = 1000;
volatile uint32_t jb_checksum;

const jb_conv_shape_t jb_bench_cases[] = {
  {4, 4, 2, 2, 3, 5, JB_KERNEL_DEPTHWISE, 0},
  {6, 6, 8, 8, 3, 7, JB_KERNEL_STANDARD, 0},
  {8, 8, 8, 8, 3, 7, JB_KERNEL_STANDARD, 0},
  {10, 10, 8, 8, 3, 7, JB_KERNEL_STANDARD, 0},
  {12, 12, 8, 8, 3, 7, JB_KERNEL_STANDARD, 0},
  {6, 6, 16, 16, 3, 5, JB_KERNEL_DEPTHWISE, 0},
  {8, 8, 16, 16, 3, 5, JB_KERNEL_DEPTHWISE, 0},
  {10, 10, 16, 16, 3, 5, JB_KERNEL_DEPTHWISE, 0},
  {12, 12, 16, 16, 3, 5, JB_KERNEL_DEPTHWISE, 0},
  {6, 6, 16, 16, 1, 6, JB_KERNEL_SHIFT_POINTWISE, 0},
  {8, 8, 16, 16, 1, 6, JB_KERNEL_SHIFT_POINTWISE, 0},
  {10, 10, 16, 16, 1, 6, JB_KERNEL_SHIFT_POINTWISE, 0},
  {12, 12, 16, 16, 1, 6, JB_KERNEL_SHIFT_POINTWISE, 0},
};
const uint32_t jb_bench_case_count = sizeof jb_bench_cases / sizeof jb_bench_cases[0];

static int8_t in_buf[12 * 12 * 16], out_buf[12 * 12 * 16], weights[16 * 3 * 3 * 16];
static int32_t bias[16];

void __attribute__((noinline)) jb_checkpoint(uint32_t stage)
{
  __asm volatile("" ::"r"(stage) : "memory");
}

static void say(const char *s)
{
  semihost_write0(s);
}

static void rtt_lines(int from, int to)
{
  for (int i = from; i < to; i++) {
    char text[24] = "rtt line ";
    int n = 9 + fmt_u64(text + 9, (uint64_t)i);
    text[n++] = '\n';
    rtt_write(0, text, (uint32_t)n);
  }
}

static uint32_t run_cases(void)
{
  uint32_t st = 0x5EED0001u, hash = 2166136261u;
  for (uint32_t c = 0; c < jb_bench_case_count; c++) {
    const jb_conv_shape_t *s = &jb_bench_cases[c];
    for (unsigned i = 0; i < sizeof in_buf; i++) in_buf[i] = (int8_t)(xorshift32(&st) >> 24);
    for (unsigned i = 0; i < sizeof weights; i++) weights[i] = (int8_t)((int8_t)(xorshift32(&st) >> 24) >> 2);
    for (unsigned i = 0; i < 16; i++) bias[i] = (int8_t)(xorshift32(&st) >> 24);
    unsigned out_len;
    if (s->kind == JB_KERNEL_STANDARD) {
      jb_conv_std_s8(s, in_buf, weights, bias, out_buf);
      out_len = (unsigned)(s->h - s->k + 1) * (unsigned)(s->w - s->k + 1) * s->cout;
    } else if (s->kind == JB_KERNEL_DEPTHWISE) {
      jb_conv_dw_s8(s, in_buf, weights, bias, out_buf);
      out_len = (unsigned)(s->h - s->k + 1) * (unsigned)(s->w - s->k + 1) * s->cin;
    } else {
      jb_conv_shift_pw_s8(s, in_buf, weights, bias, out_buf);
      out_len = (unsigned)s->h * s->w * s->cout;
    }
    for (unsigned i = 0; i < out_len; i++) hash = (hash ^ (uint8_t)out_buf[i]) * 16777619u;
  }
  return hash;
}

int main(void)
{
  uart_init();
  rtt_init();
  say("joulebench selftest: start\n");
  uart_puts("joulebench selftest on uart\r\n");

  jb_spin(jb_spin_turns);
  rtt_lines(0, 70);
  jb_checkpoint(1);
  /* The host drained up channel 0 at checkpoint 1, so this batch wraps around the ring. */
  rtt_lines(70, 140);
  jb_checksum = run_cases();
  jb_checkpoint(2);

  /* Echo whatever the host put in down channel 0 to up channel 1. */
  char echo[80] = "echo: ";
  uint32_t n = 6 + rtt_read(echo + 6, sizeof echo - 8);
  echo[n++] = '\n';
  rtt_write(1, echo, n);
  jb_checkpoint(3);

  char text[48] = "joulebench selftest: checksum 0x";
  fmt_hex32(text + 32, jb_checksum);
  text[40] = '\n';
  text[41] = 0;
  say(text);
  say("joulebench selftest: done\n");
  semihost_exit(jb_exit_code);
}
