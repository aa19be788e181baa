/** Runs the built CLI (bin/run.js) as users do: a child process with its own stdin, env and exit code. */
import {spawn} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** bin/run.js, for tests that drive the CLI's process themselves (pipes, signals). */
export const RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** The machine's own registryctl settings and docker certs.d must not leak into tests either. */
const ISOLATED = {
  DOCKER_CONFIG: '/nonexistent-docker-config',
  REGISTRYCTL_CONFIG: '/nonexistent-registryctl/config.yaml',
  REGISTRYCTL_SYSTEM_CONFIG: '/nonexistent-registryctl/system.yaml',
  REGISTRYCTL_CERTS_D: '/nonexistent-certs.d',
  REGISTRYCTL_ACCOUNTS_FILE: '/nonexistent-registryctl/credentials.json',
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of a CLI run: an empty DOCKER_CONFIG (the machine's own docker login must not leak
 * into tests) and, unless the test gives one, a new empty cache folder (removed by `done`), so every
 * run starts cold and nothing is written to the user's cache.
 */
function cliEnvironment(env: NodeJS.ProcessEnv | undefined): {env: NodeJS.ProcessEnv; done: () => void} {
  if (env?.XDG_CACHE_HOME !== undefined) return {env: {...process.env, ...ISOLATED, ...env}, done() {}}
  const cache = mkdtempSync(join(tmpdir(), 'registryctl-test-cache-'))
  return {
    env: {...process.env, ...ISOLATED, XDG_CACHE_HOME: cache, ...env},
    done: () => rmSync(cache, {recursive: true, force: true}),
  }
}

export async function runCli(
  args: string[],
  options: {input?: string; env?: NodeJS.ProcessEnv} = {},
): Promise<CliResult> {
  const {env, done} = cliEnvironment(options.env)
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr}))
    child.stdin.end(options.input ?? '')
  }).finally(done)
}

/** The command and arguments that run the CLI with `args` on a pseudo-terminal (util-linux `script`). */
export function inTerminal(args: string[]): [string, string[]] {
  const quoted = [process.execPath, RUN, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  return ['script', ['-qec', quoted, '/dev/null']]
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), so stdin is a TTY as for an operator, and
 * types `answer` once a confirmation prompt shows (if one does).
 */
export async function runCliInTerminal(
  args: string[],
  answer: string,
  options: {env?: NodeJS.ProcessEnv} = {},
): Promise<CliResult> {
  const {env, done} = cliEnvironment(options.env)
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(...inTerminal(args), {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let answered = false
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (!answered && stdout.includes('(y/N)')) {
        answered = true
        child.stdin.write(`${answer}\r`)
      }
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr: ''}))
  }).finally(done)
}

/**
 * Runs the CLI with a standard output that cannot be written: `/dev/full` (every write fails with
 * ENOSPC, as on a full disk) or a pipe whose reader has gone (EPIPE, as after `| head`).
 */
export async function runCliWithBrokenStdout(
  args: string[],
  stdout: 'full' | 'closed-pipe',
): Promise<Omit<CliResult, 'stdout'>> {
  const {env, done} = cliEnvironment(undefined)
  const full = stdout === 'full' ? openSync('/dev/full', 'w') : undefined
  return new Promise<Omit<CliResult, 'stdout'>>((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {env, stdio: ['ignore', full ?? 'pipe', 'pipe']})
    // The reading end closes before the CLI writes anything.
    child.stdout?.destroy()
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? -1, stderr}))
  }).finally(() => {
    if (full !== undefined) closeSync(full)
    done()
  })
}
