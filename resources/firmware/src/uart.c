#include "board.h"

void uart_init(void)
{
  JB_UART_BAUDDIV(JB_UART0_BASE) = JB_PCLK_HZ / 115200u;
  JB_UART_CTRL(JB_UART0_BASE) = 0x3;
}

void uart_putc(char c)
{
  while (JB_UART_STATE(JB_UART0_BASE) & 0x1) {
  }
  JB_UART_DATA(JB_UART0_BASE) = (uint8_t)c;
}

void uart_puts(const char *s)
{
  while (*s) uart_putc(*s++);
}

int uart_getc(void)
{
  if (!(JB_UART_STATE(JB_UART0_BASE) & 0x2)) return -1;
  return (int)(JB_UART_DATA(JB_UART0_BASE) & 0xFF);
}
