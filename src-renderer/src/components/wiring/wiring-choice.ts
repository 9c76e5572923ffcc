import type { WiringMethod } from '../../../../src-main/api/contract'

/** The guide's choice: analyzer, board, method and the options MLPerf energy mode adds. */
export interface WiringChoice {
  analyzerId: string
  boardId: string
  method: WiringMethod
  /** Null: the board's nominal voltage. */
  supplyV: number | null
  interfaceId: string | null
  levelShifterId: string | null
}

/** The API's wiring request for a choice (options left out when not chosen). */
export function wiringRequest(c: WiringChoice) {
  return {
    analyzerId: c.analyzerId,
    boardId: c.boardId,
    method: c.method,
    ...(c.supplyV !== null ? { supplyV: c.supplyV } : {}),
    ...(c.method === 'mlperf-energy' && c.interfaceId ? { interfaceId: c.interfaceId } : {}),
    ...(c.method === 'mlperf-energy' && c.levelShifterId ? { levelShifterId: c.levelShifterId } : {})
  }
}
