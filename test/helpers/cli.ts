/** Runs the built CLI (bin/run.js) as users do: a child process with its own stdin, env and exit code. */
import {spawn} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {debianNodeRoot, installedCommand} from './debian-node.js'

/** bin/run.js, for tests that drive the CLI's process themselves (pipes, signals). */
export const RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/**
 * The machine's own registryctl settings, docker certs.d and proxy variables (both cases; empty is
 * unset, as for curl) must not leak into tests either: a test sets the ones it is about.
 */
const ISOLATED = {
  DOCKER_CONFIG: '/nonexistent-docker-config',
  REGISTRYCTL_CONFIG: '/nonexistent-registryctl/config.yaml',
  REGISTRYCTL_SYSTEM_CONFIG: '/nonexistent-registryctl/system.yaml',
  REGISTRYCTL_CERTS_D: '/nonexistent-certs.d',
  REGISTRYCTL_ACCOUNTS_FILE: '/nonexistent-registryctl/credentials.json',
  ...Object.fromEntries(
    ['http_proxy', 'https_proxy', 'all_proxy', 'no_proxy'].flatMap((name) => [
      [name, ''],
      [name.toUpperCase(), ''],
    ]),
  ),
}

/**
 * The node that runs the CLI: this process's, or with REGISTRYCTL_TEST_NODE=debian Debian 12's own
 * nodejs 18 (test/helpers/debian-node.ts), to run the CLI tests once more as the build hosts would.
 */
function nodeCommand(args: string[]): [string, string[]] {
  if (process.env.REGISTRYCTL_TEST_NODE !== 'debian') return [process.execPath, args]
  return installedCommand([debianNodeRoot()], '/usr/bin/node', args)
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of a CLI run: an empty DOCKER_CONFIG (the machine's own docker login must not leak
 * into tests) and, unless the test gives them, a new empty cache folder and state folder (removed by
 * `done`), so every run starts cold and nothing is written to the user's cache or recovery records.
 */
let sharedState: string | undefined
/**
 * The environment for a test that spawns the CLI itself (signals, broken pipes, its own terminal):
 * isolated as runCli's is, with recovery records in one temporary folder of this test process, never
 * in the user's ~/.local/state. `env` is laid over it.
 */
export function isolatedEnvironment(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  if (!sharedState) {
    const dir = mkdtempSync(join(tmpdir(), 'registryctl-test-state-'))
    process.once('exit', () => rmSync(dir, {recursive: true, force: true}))
    sharedState = dir
  }

  return {...process.env, ...ISOLATED, XDG_STATE_HOME: sharedState, ...env}
}

function cliEnvironment(env: NodeJS.ProcessEnv | undefined): {env: NodeJS.ProcessEnv; done: () => void} {
  // Recovery records (deletions write them by default) go to a folder of the run's own too.
  const made: string[] = []
  const fresh = (kind: string) => {
    const dir = mkdtempSync(join(tmpdir(), `registryctl-test-${kind}-`))
    made.push(dir)
    return dir
  }

  const cache = env?.XDG_CACHE_HOME === undefined ? {XDG_CACHE_HOME: fresh('cache')} : {}
  const state = env?.XDG_STATE_HOME === undefined ? {XDG_STATE_HOME: fresh('state')} : {}
  return {
    env: {...process.env, ...ISOLATED, ...cache, ...state, ...env},
    done: () => {
      for (const dir of made) rmSync(dir, {recursive: true, force: true})
    },
  }
}

export async function runCli(
  args: string[],
  options: {input?: string; env?: NodeJS.ProcessEnv} = {},
): Promise<CliResult> {
  const {env, done} = cliEnvironment(options.env)
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(...nodeCommand([RUN, ...args]), {
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

const shellQuote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`

/**
 * The command and arguments that run the CLI with `args` on a pseudo-terminal (util-linux `script`);
 * `stdoutTo`: its stdout redirected to that file (`registryctl … > out.txt` on a terminal); `stdin`:
 * piped in instead of the terminal (`printf %s "$PASS" | registryctl … --password-stdin`).
 */
export function inTerminal(args: string[], options: {stdoutTo?: string; stdin?: string} = {}): [string, string[]] {
  const [node, nodeArgs] = nodeCommand([RUN, ...args])
  const quoted = [node, ...nodeArgs].map(shellQuote).join(' ')
  const redirect = options.stdoutTo ? ` > ${shellQuote(options.stdoutTo)}` : ''
  const piped = options.stdin === undefined ? '' : `printf %s ${shellQuote(options.stdin)} | `
  return ['script', ['-qec', `${piped}${quoted}${redirect}`, '/dev/null']]
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), so stdin is a TTY as for an operator, and
 * types `answer` once a confirmation prompt shows (if one does). `stdout` is the terminal's screen
 * (stdout and stderr together), unless `stdoutTo` redirects the CLI's stdout to a file.
 */
export async function runCliInTerminal(
  args: string[],
  answer: string,
  options: {env?: NodeJS.ProcessEnv; stdoutTo?: string; stdin?: string; timeoutMs?: number} = {},
): Promise<CliResult> {
  const {env, done} = cliEnvironment(options.env)
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(...inTerminal(args, {stdoutTo: options.stdoutTo, stdin: options.stdin}), {
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
    // A prompt that never shows (e.g. written where the screen does not show it) must not hang the suite:
    // closing the terminal hangs up on the CLI.
    const watchdog = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(watchdog)
      resolve({code: code ?? -1, stdout, stderr: ''})
    })
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
    const child = spawn(...nodeCommand([RUN, ...args]), {env, stdio: ['ignore', full ?? 'pipe', 'pipe']})
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
