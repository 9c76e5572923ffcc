/* Benchmark firmware: the MLPerf Tiny DUT protocol on UART0 running the jbconv01 network. */
#include "board.h"
#include "model.h"
#include "rtt.h"

void dut_run(void);

int main(void)
{
  uart_init();
  timer_init();
  rtt_init();
  model_init();
  rtt_puts(1, "joulebench dut ready\n");
  dut_run();
  return 0;
}
