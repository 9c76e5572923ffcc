export const SCREENS = [
  { id: 'instruments', label: 'Instruments' },
  { id: 'wiring', label: 'Wiring' },
  { id: 'calibration', label: 'Calibration' },
  { id: 'capture', label: 'Capture' },
  { id: 'runs', label: 'Runs' },
  { id: 'results', label: 'Results' }
] as const

export type ScreenId = (typeof SCREENS)[number]['id']

function fromHash(): ScreenId {
  const id = location.hash.replace(/^#\/?/, '').split('/')[0]
  return SCREENS.some((s) => s.id === id) ? (id as ScreenId) : 'instruments'
}

/** The current screen, kept in the URL hash so reloads and the back button work. */
export const route = $state<{ screen: ScreenId }>({ screen: fromHash() })

window.addEventListener('hashchange', () => (route.screen = fromHash()))

export function go(screen: ScreenId) {
  location.hash = `#/${screen}`
}
