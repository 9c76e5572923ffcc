import { api } from '../../lib/api'

/**
 * Calibration reminders by instrument unit (family/serial), for small badges outside the Calibration
 * screen. Loaded on first use and again whenever calibration records change.
 */
export const calibrationDue = $state<{ byUnit: Record<string, { status: 'overdue' | 'due-soon'; dueAt: string; recordId: string }> }>({ byUnit: {} })

let started = false

async function load(): Promise<void> {
  try {
    const { due } = await api.call('calibrations.due', { withinDays: 30 })
    calibrationDue.byUnit = Object.fromEntries(due.map((d) => [`${d.record.family}/${d.record.serial}`, { status: d.status, dueAt: d.record.dueAt, recordId: d.record.id }]))
  } catch {
    // A badge is a courtesy: the Calibration screen says what went wrong.
  }
}

export function watchCalibrationDue(): void {
  if (started) return
  started = true
  api.onEvent((e) => {
    if (e.event === 'calibrations.changed') void load()
  })
  // Called at once with the state now, and again after every reconnect.
  api.onState((s) => {
    if (s === 'connected') void load()
  })
}
