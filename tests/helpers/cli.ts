import { runCli } from '../../src-main/hosts/cli/main'

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  /** stdout parsed as JSON (for --json runs). */
  json<T = any>(): T
}

/** Runs `joulebench …` in this process with captured output, as a user would see it. */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { ...process.env, ...env }
  })
  return { code, stdout, stderr, json: () => JSON.parse(stdout) }
}
