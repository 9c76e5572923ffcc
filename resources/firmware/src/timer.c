#include "board.h"

/* TIMER0 counts down from 0xFFFFFFFF at PCLK; wraps (every 171 s) are folded into a 64-bit count
   as long as timer_us is called at least once per wrap, which the DUT loop does. */
static uint32_t last_value;
static uint64_t wrapped_ticks;

void timer_init(void)
{
  JB_TIMER_CTRL(JB_TIMER0_BASE) = 0;
  JB_TIMER_RELOAD(JB_TIMER0_BASE) = 0xFFFFFFFFu;
  JB_TIMER_VALUE(JB_TIMER0_BASE) = 0xFFFFFFFFu;
  JB_TIMER_CTRL(JB_TIMER0_BASE) = 0x1;
  last_value = 0xFFFFFFFFu;
  wrapped_ticks = 0;
}

uint64_t timer_us(void)
{
  uint32_t v = JB_TIMER_VALUE(JB_TIMER0_BASE);
  if (v > last_value) wrapped_ticks += 0x100000000ull;
  last_value = v;
  uint64_t ticks = wrapped_ticks + (0xFFFFFFFFu - v);
  return ticks / (JB_PCLK_HZ / 1000000u);
}
