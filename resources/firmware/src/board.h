/* Peripherals of the mps2-an385/an386 FPGA images as QEMU models them (CMSDK APB UART and timers, 25 MHz PCLK). */
#ifndef JB_BOARD_H
#define JB_BOARD_H
#include <stdint.h>

#define JB_REG(addr) (*(volatile uint32_t *)(addr))

#define JB_UART0_BASE 0x40004000u
#define JB_UART_DATA(b) JB_REG((b) + 0x00)
#define JB_UART_STATE(b) JB_REG((b) + 0x04) /* bit 0 TX full, bit 1 RX full */
#define JB_UART_CTRL(b) JB_REG((b) + 0x08)  /* bit 0 TX enable, bit 1 RX enable */
#define JB_UART_BAUDDIV(b) JB_REG((b) + 0x10)

/* TIMER0 belongs to the firmware (m-lap-us). TIMER1 is left to the host, which uses it to read
   QEMU's virtual clock while the core is halted (see src-main/probes/services/qemu-icount.ts). */
#define JB_TIMER0_BASE 0x40000000u
#define JB_TIMER_CTRL(b) JB_REG((b) + 0x00)
#define JB_TIMER_VALUE(b) JB_REG((b) + 0x04)
#define JB_TIMER_RELOAD(b) JB_REG((b) + 0x08)

#define JB_PCLK_HZ 25000000u

void uart_init(void);
void uart_putc(char c);
void uart_puts(const char *s);
/* Returns -1 when no byte is waiting. */
int uart_getc(void);

void timer_init(void);
/* Microseconds since timer_init on the board's clock (QEMU's virtual clock under -icount). */
uint64_t timer_us(void);

#endif
