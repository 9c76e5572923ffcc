/*
 * The CMSIS-Pack flash-algorithm interface (FlashOS): the FlashDevice descriptor a host reads from the
 * DevDscr section and the entry points it calls in target RAM. Field order and widths are the public
 * convention (Vers u16, DevName[128], DevType u16, then u32 fields, valEmpty u8, sector list ending in
 * 0xFFFFFFFF pairs).
 */
#ifndef JB_FLASH_OS_H
#define JB_FLASH_OS_H
#include <stdint.h>

#define JB_FLASH_DRIVER_VERSION 0x0101u
#define JB_FLASH_DEVICE_ONCHIP 1u
#define JB_FLASH_SECTOR_END 0xFFFFFFFFu, 0xFFFFFFFFu

struct jb_flash_sector {
  uint32_t size;
  uint32_t offset; /* from the device start address */
};

struct FlashDevice {
  uint16_t version;
  char name[128];
  uint16_t type;
  uint32_t start;
  uint32_t size;
  uint32_t page_size;
  uint32_t reserved;
  uint8_t erased_value;
  uint32_t program_timeout_ms;
  uint32_t erase_timeout_ms;
  struct jb_flash_sector sectors[4];
};

int Init(uint32_t adr, uint32_t clk, uint32_t fnc);
int UnInit(uint32_t fnc);
int EraseChip(void);
int EraseSector(uint32_t adr);
int ProgramPage(uint32_t adr, uint32_t sz, const uint8_t *buf);
int BlankCheck(uint32_t adr, uint32_t sz, uint8_t pat);
uint32_t Verify(uint32_t adr, uint32_t sz, const uint8_t *buf);

#endif
