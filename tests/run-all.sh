#!/usr/bin/env bash
# Every test, from a clean clone: the Debian packages the tests drive (installed with apt-get when run as
# root), the npm packages from the lockfile, the type checks, the build, then unit, integration and
# end-to-end tests. This is the README's test command and the only thing .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(chromium socat udev qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need these Debian packages: ${missing[*]}"
    echo "Install them with: sudo apt-get install ${missing[*]}   (or run this script as root)"
    exit 1
  fi
fi

npm ci --no-audit --no-fund
npm run typecheck
npx vitest run
