/* Reset handler and vector table for the Cortex-M3/M4 of mps2-an385/an386. */
#include <stdint.h>

extern uint32_t __data_load, __data_start, __data_end, __bss_start, __bss_end, __stack_top;
extern int main(void);

void jb_reset_handler(void);
void jb_fault_handler(void);

/* A fault stops in a named loop, so a debugger that halts the core sees where it ended up. */
void __attribute__((noinline)) jb_fault_handler(void)
{
  for (;;) __asm volatile("nop");
}

static void default_handler(void)
{
  for (;;) __asm volatile("nop");
}

__attribute__((section(".vectors"), used)) void (*const jb_vectors[16])(void) = {
  (void (*)(void))&__stack_top,
  jb_reset_handler,
  jb_fault_handler, /* NMI */
  jb_fault_handler, /* HardFault */
  jb_fault_handler, /* MemManage */
  jb_fault_handler, /* BusFault */
  jb_fault_handler, /* UsageFault */
  0, 0, 0, 0,
  default_handler,  /* SVCall */
  default_handler,  /* DebugMonitor */
  0,
  default_handler,  /* PendSV */
  default_handler,  /* SysTick */
};

void jb_reset_handler(void)
{
  /* A debugger may start us at the ELF entry without a reset: take the stack from the vector table. */
  __asm volatile("msr msp, %0" ::"r"(&__stack_top));
  uint32_t *src = &__data_load;
  for (uint32_t *dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t *dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  main();
  for (;;) __asm volatile("nop");
}
