/**
 * Credentials the way docker finds them in `$DOCKER_CONFIG/config.json` (default `~/.docker`):
 * `credHelpers[host]`, then `credsStore`, then `auths` (the exact key first, then keys normalised to
 * `host[:port]`, since docker login writes `https://index.docker.io/v1/`-style keys too).
 */
import {execFile} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {UsageError} from '../../errors.js'

export interface Credentials {
  username?: string
  password?: string
  /** An OAuth2 refresh token, exchanged at the token endpoint (docker's `identitytoken`). */
  identityToken?: string
  /** Human-readable origin, for error lines: never the secret itself. */
  source: string
}

interface DockerConfigFile {
  auths?: Record<string, {auth?: string; username?: string; password?: string; identitytoken?: string}>
  credsStore?: string
  credHelpers?: Record<string, string>
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json')
}

export async function readDockerConfig(path: string): Promise<DockerConfigFile | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UsageError(`cannot read docker config ${path}: ${(error as Error).message}`, {cause: error})
  }

  let config: unknown
  try {
    config = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`docker config ${path} is not valid JSON: ${(error as Error).message}`, {cause: error})
  }

  const wrong = shapeError(config)
  if (wrong) throw new UsageError(`docker config ${path}: ${wrong}`)
  return config as DockerConfigFile
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * What in a parsed config.json is not the shape docker writes, for the fields read here; other
 * fields are docker's own business. (Three fields: a schema validator would cost every command its
 * start-up for this.)
 */
function shapeError(config: unknown): string | undefined {
  if (!isObject(config)) return 'is not a JSON object'
  if (config.credsStore !== undefined && typeof config.credsStore !== 'string') return '"credsStore" is not a string'
  if (config.credHelpers !== undefined) {
    if (!isObject(config.credHelpers)) return '"credHelpers" is not an object'
    const host = Object.keys(config.credHelpers).find(
      (key) => typeof (config.credHelpers as Record<string, unknown>)[key] !== 'string',
    )
    if (host !== undefined) return `credHelpers["${host}"] is not a string`
  }

  if (config.auths !== undefined) {
    if (!isObject(config.auths)) return '"auths" is not an object'
    for (const [host, entry] of Object.entries(config.auths)) {
      if (!isObject(entry)) return `auths["${host}"] is not an object`
      const field = ['auth', 'username', 'password', 'identitytoken'].find(
        (name) => entry[name] !== undefined && typeof entry[name] !== 'string',
      )
      if (field) return `auths["${host}"].${field} is not a string`
    }
  }

  return undefined
}

/** `https://host:5000/v1/` → `host:5000`: docker's normalisation of auths keys. */
export function normaliseAuthKey(key: string): string {
  return key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '')
}

export type HelperRunner = (helper: string, serverUrl: string) => Promise<{stdout: string; exitCode: number}>

/** Runs `docker-credential-HELPER ACTION` with `input` on its stdin (docker's helper protocol). */
export const runCredentialHelper = (
  helper: string,
  action: 'get' | 'store' | 'erase',
  input: string,
): Promise<{stdout: string; exitCode: number}> =>
  new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, [action], {timeout: 30_000}, (error, stdout) => {
      if (error && typeof error.code !== 'number') {
        reject(error)
        return
      }

      resolve({stdout, exitCode: error ? Number(error.code) : 0})
    })
    // A helper may exit without reading its input (a failure, or no credentials): EPIPE is not ours to report.
    child.stdin?.on('error', () => {})
    child.stdin?.end(input)
  })

const runHelperProcess: HelperRunner = (helper, serverUrl) => runCredentialHelper(helper, 'get', serverUrl)

/** Run `docker-credential-NAME get`. Its "not found" answer is no credentials, not an error. */
export async function credentialsFromHelper(
  helper: string,
  host: string,
  run: HelperRunner = runHelperProcess,
): Promise<Credentials | undefined> {
  const source = `credential helper docker-credential-${helper}`
  let result: {stdout: string; exitCode: number}
  try {
    result = await run(helper, host)
  } catch (error) {
    // execFile's timeout kills the helper and says only "Command failed".
    if ((error as {killed?: boolean}).killed)
      throw new UsageError(`${source} did not answer within 30 s for ${host}`, {cause: error})
    throw new UsageError(`${source} could not be run: ${(error as Error).message}`, {cause: error})
  }

  if (result.exitCode !== 0) {
    // The helper protocol prints the error message on stdout and exits 1.
    if (/credentials not found/i.test(result.stdout)) return undefined
    throw new UsageError(
      `${source} failed for ${host}: ${result.stdout.trim().split('\n')[0] ?? 'exit ' + result.exitCode}`,
    )
  }

  let answer: unknown
  try {
    answer = JSON.parse(result.stdout)
  } catch {
    throw new UsageError(`${source} answered something that is not JSON for ${host}`)
  }

  if (
    !isObject(answer) ||
    (answer.Secret !== undefined && typeof answer.Secret !== 'string') ||
    (answer.Username !== undefined && typeof answer.Username !== 'string')
  ) {
    throw new UsageError(`${source} answered JSON that is not {"Username", "Secret"} strings for ${host}`)
  }

  if (!answer.Secret) return undefined
  if (answer.Username === '<token>') return {identityToken: answer.Secret as string, source}
  return {username: answer.Username as string | undefined, password: answer.Secret as string, source}
}

function fromAuthsEntry(
  entry: NonNullable<DockerConfigFile['auths']>[string],
  source: string,
): Credentials | undefined {
  if (entry.identitytoken) return {identityToken: entry.identitytoken, source}
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) throw new UsageError(`the "auth" entry for ${source} is not base64 of user:password`)
    return {username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source}
  }

  if (entry.username && entry.password) return {username: entry.username, password: entry.password, source}
  return undefined
}

export interface CredentialLookup {
  credentials?: Credentials
  /** Every source consulted, in order, for the error line when the registry says 401. */
  tried: string[]
}

export async function lookupDockerCredentials(
  host: string,
  options: {configPath?: string; runHelper?: HelperRunner} = {},
): Promise<CredentialLookup> {
  const path = options.configPath ?? dockerConfigPath()
  const config = await readDockerConfig(path)
  const tried: string[] = []
  if (!config) {
    tried.push(`${path} (absent)`)
    return {tried}
  }

  const helper = config.credHelpers?.[host] ?? config.credsStore
  if (helper) {
    tried.push(`docker-credential-${helper}`)
    const credentials = await credentialsFromHelper(helper, host, options.runHelper)
    if (credentials) return {credentials, tried}
  }

  const auths = config.auths ?? {}
  const key = host in auths ? host : Object.keys(auths).find((candidate) => normaliseAuthKey(candidate) === host)
  tried.push(`${path} auths`)
  if (key) {
    const credentials = fromAuthsEntry(auths[key]!, `${path} auths["${key}"]`)
    if (credentials) return {credentials, tried}
  }

  return {tried}
}
