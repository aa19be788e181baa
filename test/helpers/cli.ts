/** Runs the built CLI (bin/run.js) as users do: a child process with its own stdin, env and exit code. */
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

/** The machine's own registryctl settings and docker certs.d must not leak into tests either. */
const ISOLATED = {
  DOCKER_CONFIG: '/nonexistent-docker-config',
  REGISTRYCTL_CONFIG: '/nonexistent-registryctl/config.yaml',
  REGISTRYCTL_SYSTEM_CONFIG: '/nonexistent-registryctl/system.yaml',
  REGISTRYCTL_CERTS_D: '/nonexistent-certs.d',
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export async function runCli(args: string[], options: {input?: string; env?: NodeJS.ProcessEnv} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {
      // An empty DOCKER_CONFIG by default: the machine's own docker login must not leak into tests.
      env: {...process.env, ...ISOLATED, ...options.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr}))
    child.stdin.end(options.input ?? '')
  })
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), so stdin is a TTY as for an operator, and
 * types `answer` once a confirmation prompt shows (if one does).
 */
export async function runCliInTerminal(args: string[], answer: string, options: {env?: NodeJS.ProcessEnv} = {}): Promise<CliResult> {
  const quoted = [process.execPath, RUN, ...args].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', quoted, '/dev/null'], {
      env: {...process.env, ...ISOLATED, ...options.env},
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
  })
}
