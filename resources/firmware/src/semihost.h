/* Arm semihosting (BKPT 0xAB on M-profile): QEMU forwards these to the host, or to GDB as File-I/O packets. */
#ifndef JB_SEMIHOST_H
#define JB_SEMIHOST_H
#include <stdint.h>

void semihost_write0(const char *s);
/* SYS_EXIT_EXTENDED: AArch32 SYS_EXIT cannot carry an exit code, the extended call can. */
void semihost_exit(uint32_t code) __attribute__((noreturn));

#endif
