/* Descriptor of the emulated flash: 256 KiB of mps2 SSRAM1 at 0x00200000, 4 KiB sectors, 1 KiB pages. */
#include "flash-os.h"

__attribute__((section("DevDscr"), used)) const struct FlashDevice FlashDevice = {
  JB_FLASH_DRIVER_VERSION,
  "Joulebench emulated flash (mps2 SSRAM1 0x00200000, 256 KiB)",
  JB_FLASH_DEVICE_ONCHIP,
  0x00200000u,
  0x00040000u,
  1024u,
  0u,
  0xFFu,
  100u,
  500u,
  {{0x1000u, 0x0u}, {JB_FLASH_SECTOR_END}},
};
