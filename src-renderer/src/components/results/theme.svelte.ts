import type { PlotTheme } from '../../../../src-main/results/fit-plot'

/** Light or dark, following the system like app.css does, so plots pick colours that read on the page. */
const query = window.matchMedia('(prefers-color-scheme: dark)')

export const theme = $state<{ current: PlotTheme }>({ current: query.matches ? 'dark' : 'light' })

query.addEventListener('change', (e) => (theme.current = e.matches ? 'dark' : 'light'))
