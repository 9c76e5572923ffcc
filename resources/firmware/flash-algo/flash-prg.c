/*
 * A flash algorithm of our own for an emulated flash: mps2 has no flash controller, so this one treats a
 * RAM region as NOR flash. Erase sets a sector to 0xFF; programming can only clear bits (new = old & data),
 * so data written without a prior erase reads back wrong, as it would on real NOR flash.
 * The code keeps no static data: GCC has no RWPI mode without a GOT, and an FLM host loads PrgCode at any
 * address without relocating it.
 */
#include "flash-os.h"

#define FLASH_START 0x00200000u
#define FLASH_SIZE 0x00040000u
#define SECTOR_SIZE 0x1000u

static int in_range(uint32_t adr, uint32_t sz)
{
  return adr >= FLASH_START && sz <= FLASH_SIZE && adr - FLASH_START <= FLASH_SIZE - sz;
}

int Init(uint32_t adr, uint32_t clk, uint32_t fnc)
{
  (void)clk;
  if (fnc < 1 || fnc > 3) return 1;
  return adr == FLASH_START ? 0 : 1;
}

int UnInit(uint32_t fnc)
{
  return fnc >= 1 && fnc <= 3 ? 0 : 1;
}

int EraseSector(uint32_t adr)
{
  if (!in_range(adr, SECTOR_SIZE) || (adr & (SECTOR_SIZE - 1))) return 1;
  volatile uint32_t *p = (volatile uint32_t *)adr;
  for (uint32_t i = 0; i < SECTOR_SIZE / 4; i++) p[i] = 0xFFFFFFFFu;
  return 0;
}

int EraseChip(void)
{
  for (uint32_t a = FLASH_START; a < FLASH_START + FLASH_SIZE; a += SECTOR_SIZE)
    if (EraseSector(a)) return 1;
  return 0;
}

int ProgramPage(uint32_t adr, uint32_t sz, const uint8_t *buf)
{
  if (!in_range(adr, sz)) return 1;
  volatile uint8_t *p = (volatile uint8_t *)adr;
  for (uint32_t i = 0; i < sz; i++) p[i] = (uint8_t)(p[i] & buf[i]);
  return 0;
}

int BlankCheck(uint32_t adr, uint32_t sz, uint8_t pat)
{
  if (!in_range(adr, sz)) return 1;
  const volatile uint8_t *p = (const volatile uint8_t *)adr;
  for (uint32_t i = 0; i < sz; i++)
    if (p[i] != pat) return 1;
  return 0;
}

uint32_t Verify(uint32_t adr, uint32_t sz, const uint8_t *buf)
{
  const volatile uint8_t *p = (const volatile uint8_t *)adr;
  for (uint32_t i = 0; i < sz; i++)
    if (p[i] != buf[i]) return adr + i;
  return adr + sz;
}
