import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

/**
 * The package root, found from this file whether it runs built (out/main/*.js) or from source
 * (src-main/hosts/paths.ts under tsx or vitest).
 */
export function packageRoot(): string {
  let dir = here
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) return resolve(here, '..', '..')
    dir = up
  }
  return dir
}

/** The built renderer, or null when `npm run build` has not run yet. */
export function rendererBuildDir(): string | null {
  const dir = join(packageRoot(), 'out', 'renderer')
  return existsSync(join(dir, 'index.html')) ? dir : null
}

export function resourcesDir(): string {
  return join(packageRoot(), 'resources')
}
