import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

const r = (p: string) => resolve(import.meta.dirname, p)

export default defineConfig({
  main: {
    build: {
      rolldownOptions: {
        // The Electron host and the command line share one build: everything under src-main runs in plain Node.
        input: { index: r('src-main/hosts/electron/main.ts'), cli: r('src-main/hosts/cli/index.ts') },
        output: { banner: (chunk: { name: string }) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : '') }
      }
    }
  },
  preload: {
    build: {
      rolldownOptions: {
        input: { index: r('src-main/hosts/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: r('src-renderer'),
    build: { rolldownOptions: { input: { index: r('src-renderer/index.html') } } },
    plugins: [svelte({ configFile: r('svelte.config.js') })]
  }
})
