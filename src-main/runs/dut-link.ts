import { MlperfDut, type MlperfDutOptions } from '../dut/mlperf-tiny/driver'
import { startVirtualDutOnPty, type RunningVirtualDut } from '../dut/mlperf-tiny/virtual-dut'
import { startVirtualInterfaceBoard, type VirtualInterfaceBoard } from '../dut/mlperf-tiny/virtual-interface-board'
import type { InstrumentIdentity } from '../instruments/identity'
import { openPtyPair, type PtyPair } from '../transports/pty-pair'
import { openSerial, type SerialTransport } from '../transports/serial'
import type { VirtualBench } from '../virtual-bench/bench'
import { virtualNpuBoard } from '../virtual-bench/npu-boards'
import { dutBaudRate, dutLink, type BenchmarkPlan } from './plan'

/**
 * The DUT side of a run: the MLPerf Tiny driver over the plan's link. A virtual DUT is started on the
 * bench (plugged in so every virtual analyzer measures it) behind a pty, and in energy mode behind a
 * virtual interface board too, so the driver speaks exactly the bytes it would to real hardware.
 */
export interface OpenedDutLink {
  dut: MlperfDut
  identity: InstrumentIdentity
  /** The virtual DUT (its truth is for tests), when the plan asked for one. */
  virtual: RunningVirtualDut | null
  baudRate: number
  viaInterfaceBoard: boolean
  close(): Promise<void>
}

export async function openDutLink(plan: BenchmarkPlan, bench: VirtualBench, onLine?: MlperfDutOptions['onLine']): Promise<OpenedDutLink> {
  if (plan.dut.kind === 'none') throw new Error('This plan has no DUT link.')
  const via = dutLink(plan) === 'interface-board'
  const hostBaud = dutBaudRate(plan)
  const closers: Array<() => Promise<void>> = []
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => {})
  }
  try {
    let path: string
    let virtual: RunningVirtualDut | null = null
    if (plan.dut.kind === 'virtual') {
      const d = plan.dut
      const dutBaud = plan.mode === 'energy' ? 9600 : 115200
      const board = d.board ? virtualNpuBoard(d.board) : null
      virtual = await startVirtualDutOnPty({
        mode: plan.mode === 'energy' ? 'energy' : 'performance',
        model: { name: plan.model.name, macs: Math.max(1, plan.model.macs), latencyPerMacS: d.latencyPerMacS, energyPerMacJ: d.energyPerMacJ, stages: board ? { ...board.defaultStages, ...d.stages } : d.stages },
        stageLog: board ? (stages) => board.stageLog(stages) : undefined,
        inferenceLineStage: board ? 'inference' : undefined,
        clock: bench.clock,
        baudRate: dutBaud,
        idleCurrentA: d.idleCurrentA,
        supplyV: plan.supplyV,
        timestampLine: d.timestampLine,
        inferenceLine: d.inferenceLine,
        gapS: d.gapS,
        noiseA: d.noiseA,
        seed: d.seed,
        vendor: board ? `joulebench-virtual ${board.id}` : 'joulebench-virtual'
      })
      const v = virtual
      closers.push(() => v.close())
      bench.plugDut(v.signal)
      closers.push(async () => bench.plugDut(null))
      // Let the boot banner out before anyone listens, as a DUT powered up before the host connects.
      await v.drained()
      path = v.hostPath
      if (via) {
        const pair: PtyPair = await openPtyPair('jb-board')
        closers.push(() => pair.close())
        const board: VirtualInterfaceBoard = await startVirtualInterfaceBoard({ hostDevicePath: pair.devicePath, dutPath: v.hostPath, dutBaudRate: dutBaud })
        closers.push(() => board.close())
        path = pair.hostPath
      }
    } else {
      path = plan.dut.port
    }
    // openSerial's errors name the port and say what to check.
    const transport: SerialTransport = await openSerial(path, hostBaud)
    const replyTimeoutS = plan.dut.kind === 'serial' ? plan.dut.replyTimeoutS : 5
    const dut = new MlperfDut(transport, { viaInterfaceBoard: via, baudRate: hostBaud, replyTimeoutS, onLine })
    closers.push(() => dut.close())
    await dut.settle(0.1, 1)
    const identity: InstrumentIdentity = { ...dut.identity, id: plan.dut.kind === 'virtual' ? 'virtual:mlperf-tiny' : dut.identity.id, virtual: plan.dut.kind === 'virtual' }
    return { dut, identity, virtual, baudRate: hostBaud, viaInterfaceBoard: via, close: closeAll }
  } catch (e) {
    await closeAll()
    throw e
  }
}
