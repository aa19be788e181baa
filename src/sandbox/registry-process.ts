/**
 * Starts Debian's docker-registry (distribution 2.8) on a free loopback port with a filesystem store,
 * for tests, benchmarks and the sandbox; stops it and, unless kept, removes its store.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {closeSync, openSync, readFileSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export interface RegistryProcessOptions {
  /** Store folder; a new temporary one when absent (removed on stop). */
  rootDirectory?: string
  deleteEnabled?: boolean
  readOnly?: boolean
  /** distribution's `auth.token` section: the registry then answers 401 with a Bearer challenge. */
  tokenAuth?: {realm: string; service: string; issuer: string; rootCertBundle: string}
  port?: number
  binary?: string
  /** A storage driver section instead of the filesystem one, e.g. {swift: {...}} or {s3: {...}}. */
  storage?: Record<string, unknown>
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT`, as a registry host in references. */
  host: string
  port: number
  url: string
  rootDirectory: string
  configPath: string
  stop(): Promise<void>
}

/** Signal a child process and wait until it has exited (at once if it already has). */
export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export function registryConfig(
  options: {rootDirectory: string; port: number} & RegistryProcessOptions,
): Record<string, unknown> {
  return {
    version: 0.1,
    log: {level: 'error', accesslog: {disabled: true}},
    storage: {
      ...(options.storage ?? {filesystem: {rootdirectory: options.rootDirectory}}),
      // Object stores: blobs are served by the registry, not redirected to signed store URLs.
      ...(options.storage ? {redirect: {disable: true}} : {}),
      delete: {enabled: options.deleteEnabled ?? true},
      // No blob descriptor cache: fixtures are written to the store behind the registry's back.
      maintenance: {uploadpurging: {enabled: false}, readonly: {enabled: options.readOnly ?? false}},
    },
    http: {addr: `127.0.0.1:${options.port}`},
    ...(options.tokenAuth
      ? {
          auth: {
            token: {
              realm: options.tokenAuth.realm,
              service: options.tokenAuth.service,
              issuer: options.tokenAuth.issuer,
              rootcertbundle: options.tokenAuth.rootCertBundle,
            },
          },
        }
      : {}),
  }
}

async function waitUntilReady(
  url: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${output().trim()}`)
    try {
      const response = await fetch(`${url}/v2/`)
      if (response.status === 200 || response.status === 401) return
    } catch {
      // not listening yet
    }

    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  throw new Error(`docker-registry did not answer on ${url} within ${timeoutMs} ms: ${output().trim()}`)
}

export async function startRegistry(options: RegistryProcessOptions = {}): Promise<RunningRegistry> {
  const ownStore = !options.rootDirectory
  const rootDirectory = options.rootDirectory ?? (await mkdtemp(join(tmpdir(), 'registryctl-store-')))
  const configDir = await mkdtemp(join(tmpdir(), 'registryctl-config-'))
  const port = options.port ?? (await freePort())
  const configPath = join(configDir, 'config.yml')
  // JSON is YAML: no YAML writer needed for distribution's config.
  await writeFile(configPath, JSON.stringify(registryConfig({...options, rootDirectory, port}), null, 2))
  // The registry's output goes to a file, never to a pipe: distribution logs every 404 at error level,
  // and a pipe that a busy parent (spawnSync, a long synchronous loop) does not drain fills up and
  // blocks the registry mid-request.
  const logPath = join(configDir, 'registry.log')
  const log = openSync(logPath, 'a')
  // aws-sdk-go (the s3 driver) dies at start with "LoadCustomCABundleError" when AWS_CA_BUNDLE is set.
  const {AWS_CA_BUNDLE: _ignored, ...env} = process.env
  const child = spawn(options.binary ?? 'docker-registry', ['serve', configPath], {stdio: ['ignore', log, log], env})
  closeSync(log)
  const output = () => {
    try {
      return readFileSync(logPath, 'utf8').slice(-4000)
    } catch {
      return ''
    }
  }

  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', (error) =>
      reject(new Error(`cannot start docker-registry (apt-get install docker-registry): ${error.message}`)),
    )
  })
  await spawned
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    await stopProcess(child, 'SIGTERM')
    await rm(configDir, {recursive: true, force: true})
    if (ownStore) await rm(rootDirectory, {recursive: true, force: true})
  }

  try {
    await waitUntilReady(url, child, output)
  } catch (error) {
    await stop()
    throw error
  }

  return {host: `127.0.0.1:${port}`, port, url, rootDirectory, configPath, stop}
}
