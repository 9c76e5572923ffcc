/*
 * A SEGGER-RTT-compatible control block of our own: the layout hosts look for (`_SEGGER_RTT`,
 * "SEGGER RTT" ID, up and down ring descriptors of 24 bytes each) and nothing more.
 */
#ifndef JB_RTT_H
#define JB_RTT_H
#include <stdint.h>

#define JB_RTT_UP_CHANNELS 2
#define JB_RTT_DOWN_CHANNELS 1

typedef struct {
  const char *name;
  char *buffer;
  uint32_t size;
  volatile uint32_t wr_off;
  volatile uint32_t rd_off;
  uint32_t flags; /* low 2 bits: 0 skip when full, 1 trim, 2 block */
} jb_rtt_ring_t;

typedef struct {
  char id[16];
  int32_t max_up;
  int32_t max_down;
  jb_rtt_ring_t up[JB_RTT_UP_CHANNELS];
  jb_rtt_ring_t down[JB_RTT_DOWN_CHANNELS];
} jb_rtt_control_block_t;

extern jb_rtt_control_block_t _SEGGER_RTT;

void rtt_init(void);
/* Writes all of data or nothing (skip mode); returns the number of bytes written. */
uint32_t rtt_write(unsigned channel, const char *data, uint32_t len);
void rtt_puts(unsigned channel, const char *s);
/* Reads up to max bytes from down channel 0; returns the count. */
uint32_t rtt_read(char *dst, uint32_t max);

#endif
