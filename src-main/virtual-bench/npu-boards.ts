import type { PlannedStage, StageCost } from '../dut/mlperf-tiny/inference-model'

/**
 * Virtual μNPU boards: an MLPerf Tiny DUT whose every inference runs in stages, each with its own
 * current and duration, and whose firmware prints the stage times on its UART after each inference,
 * the way the μNPU study's firmware does (seeds.md §1.4). A newcomer's demo run then shows stage
 * colours and per-stage energy with no hardware.
 *
 * Only the MAX78000 shape is modelled: its four stages are timed back to back with one timer
 * (npu/max78000/v_*\/main.c) and printed after the run as "<Stage> Time: N us", so the log pins
 * exactly to the trace. The CNN stage is the one the MAC law costs (latency and energy per MAC);
 * the others are fixed costs drawing less than the accelerator, so a current threshold finds the
 * CNN alone and the log places the rest around it.
 */

export const VIRTUAL_NPU_BOARDS = ['max78000'] as const
export type VirtualNpuBoard = (typeof VIRTUAL_NPU_BOARDS)[number]

export interface VirtualNpuBoardSpec {
  id: VirtualNpuBoard
  /** What the Instruments and Runs screens call it. */
  name: string
  /** The stage-log format its firmware prints (src-main/dut/stage-logs/formats.ts). */
  stageLogFormat: 'max78000'
  /** Fixed-cost stages around the CNN, when the plan gives none of its own. */
  defaultStages: { init: StageCost; memory: StageCost; post: StageCost }
  /** The lines the firmware prints after one inference, CR LF ended. */
  stageLog(stages: readonly PlannedStage[]): string[]
}

/** The MAX78000 firmware's printf labels, by our stage names. */
const MAX78000_LABELS: Record<PlannedStage['stage'], string> = {
  init: 'Initialization',
  memory: 'Memory I/O',
  inference: 'Inference',
  post: 'Post-Processing'
}

export const MAX78000_LIKE: VirtualNpuBoardSpec = {
  id: 'max78000',
  name: 'MAX78000-like virtual NPU board',
  stageLogFormat: 'max78000',
  // Currents above the 1 mA idle floor; all well under the CNN's draw so the threshold isolates it.
  defaultStages: {
    init: { durationS: 3e-3, extraCurrentA: 1.2e-3 }, // cnn_enable, boost, cnn_init
    memory: { durationS: 6e-3, extraCurrentA: 2.0e-3 }, // load weights and bias, configure, load input
    post: { durationS: 4e-3, extraCurrentA: 0.6e-3 } // cnn_unload, softmax
  },
  stageLog(stages) {
    // The firmware prints whole microseconds (%lu of its timer converted to us).
    return stages.map((s) => `${MAX78000_LABELS[s.stage]} Time: ${Math.round(s.durationS * 1e6)} us\r\n`)
  }
}

export function virtualNpuBoard(id: VirtualNpuBoard): VirtualNpuBoardSpec {
  switch (id) {
    case 'max78000':
      return MAX78000_LIKE
  }
}
