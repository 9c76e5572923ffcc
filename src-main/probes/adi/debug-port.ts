/** Bringing up an ADIv5 debug port and finding the MEM-AP (ADIv5.2 B2, C1; the probe-rs/pyOCD order). */
import {
  ABORT_CLEAR_ALL,
  AdiAccessError,
  AP_BASE,
  AP_IDR,
  CTRL_CDBGPWRUPACK,
  CTRL_CDBGPWRUPREQ,
  CTRL_CSYSPWRUPACK,
  CTRL_CSYSPWRUPREQ,
  decodeDpIdr,
  DP_ABORT,
  DP_CTRL_STAT,
  DP_DPIDR,
  DP_SELECT,
  isMemAp,
  type ArmDebugInterface,
  type DpIdr
} from './arm-debug-interface'

export interface AccessPortInfo {
  apsel: number
  idr: number
  base: number
  memAp: boolean
}

/** Reads DPIDR (the first access after a line reset must be this), clears sticky errors, powers up debug and system domains. */
export async function powerUpDebugPort(adi: ArmDebugInterface, options: { timeoutS?: number } = {}): Promise<DpIdr> {
  const [idr] = await adi.run([{ kind: 'read', port: 'dp', address: DP_DPIDR }])
  await adi.run([
    { kind: 'write', port: 'dp', address: DP_ABORT, value: ABORT_CLEAR_ALL },
    { kind: 'write', port: 'dp', address: DP_SELECT, value: 0 },
    { kind: 'write', port: 'dp', address: DP_CTRL_STAT, value: CTRL_CSYSPWRUPREQ | CTRL_CDBGPWRUPREQ }
  ])
  const deadline = performance.now() + (options.timeoutS ?? 1) * 1000
  for (;;) {
    const [ctrl] = (await adi.run([{ kind: 'read', port: 'dp', address: DP_CTRL_STAT }])) as number[]
    if ((ctrl & CTRL_CSYSPWRUPACK) && (ctrl & CTRL_CDBGPWRUPACK)) break
    if (performance.now() > deadline) {
      throw new AdiAccessError(`${adi.description}: the target did not acknowledge debug power-up (CTRL/STAT = 0x${(ctrl >>> 0).toString(16)}). Check the target's supply and reset line, then retry.`, 'other')
    }
  }
  return decodeDpIdr(idr as number)
}

/** Reads IDR of APs 0, 1, … until one reads 0 (ADIv5 APs are numbered densely). */
export async function scanAccessPorts(adi: ArmDebugInterface, maxAps = 8): Promise<AccessPortInfo[]> {
  const found: AccessPortInfo[] = []
  for (let apsel = 0; apsel < maxAps; apsel++) {
    const [idr, base] = (await adi.run([
      { kind: 'read', port: 'ap', apsel, address: AP_IDR },
      { kind: 'read', port: 'ap', apsel, address: AP_BASE }
    ])) as number[]
    if (idr === 0) break
    found.push({ apsel, idr: idr >>> 0, base: base >>> 0, memAp: isMemAp(idr) })
  }
  return found
}
