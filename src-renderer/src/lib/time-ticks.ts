/**
 * Time-axis labels in one SI prefix, with just enough decimals for the tick step: "0.25 s", "250 µs".
 * Shared prefix and decimals keep neighbouring labels the same width, so they never run together.
 */
export function timeTicks(ticks: number[]): string[] {
  if (!ticks.length) return []
  const largest = Math.max(...ticks.map(Math.abs))
  const [scale, prefix] = largest >= 1 ? [1, ''] : largest >= 1e-3 ? [1e-3, 'm'] : largest >= 1e-6 ? [1e-6, 'µ'] : [1e-9, 'n']
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) / scale : 1
  let decimals = 0
  while (decimals < 6 && Math.abs(step * 10 ** decimals - Math.round(step * 10 ** decimals)) > 1e-6 * step * 10 ** decimals) decimals++
  return ticks.map((t) => `${(t / scale).toFixed(decimals)} ${prefix}s`)
}
