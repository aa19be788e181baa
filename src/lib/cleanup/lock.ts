/**
 * One cleanup per registry per host. The lock is flock(2) on a file named after the registry, taken
 * through util-linux's flock(1) on a file descriptor this process keeps open: flock locks belong to
 * the open file description, so the lock stays held after the helper exits and the kernel releases it
 * when this process ends, however it ends (kill -9 included). No stale lock files, no pid guessing.
 *
 * The second run refuses at once (exit 14, naming the pid that holds the lock), or waits up to
 * `waitSeconds` for it.
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {type FileHandle, mkdir, open, readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ExitCode, RegistryCtlError, UsageError} from '../errors.js'

export class LockedError extends RegistryCtlError {
  constructor(message: string) {
    super(message, ExitCode.LOCKED, {
      hint: 'another cleanup of this registry is running on this host; --lock-wait SECONDS waits for it',
    })
  }
}

/** /run/lock (shared by every user and service of the host, also under systemd's PrivateTmp), else the temp folder. */
export function defaultLockDir(): string {
  return existsSync('/run/lock') ? '/run/lock' : tmpdir()
}

export function lockPath(registry: string, dir = defaultLockDir()): string {
  return join(dir, `registryctl-cleanup-${registry.replaceAll(/[^A-Za-z0-9.-]/g, '_')}.lock`)
}

export interface CleanupLock {
  path: string
  release(): Promise<void>
}

const CONFLICT = 75

async function flockOn(handle: FileHandle, waitSeconds: number): Promise<boolean> {
  const args =
    waitSeconds > 0
      ? ['-x', '-w', String(waitSeconds), '-E', String(CONFLICT), '3']
      : ['-x', '-n', '-E', String(CONFLICT), '3']
  return new Promise((resolve, reject) => {
    const child = spawn('flock', args, {stdio: ['ignore', 'ignore', 'pipe', handle.fd]})
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', (error) =>
      reject(
        new RegistryCtlError(`cannot run flock (util-linux) for the cleanup lock: ${error.message}`, ExitCode.INTERNAL),
      ),
    )
    child.on('close', (code) => {
      if (code === 0) resolve(true)
      else if (code === CONFLICT) resolve(false)
      else
        reject(new RegistryCtlError(`flock failed on the cleanup lock (${code}): ${stderr.trim()}`, ExitCode.INTERNAL))
    })
  })
}

export async function acquireLock(
  registry: string,
  options: {dir?: string; waitSeconds?: number} = {},
): Promise<CleanupLock> {
  const path = lockPath(registry, options.dir)
  // A --lock-dir that does not exist yet is made (as mkdir -p): a fresh host or tmpfs must not fail the timer.
  if (options.dir)
    await mkdir(options.dir, {recursive: true}).catch((error: Error) => {
      throw new UsageError(`cannot create the cleanup lock folder ${options.dir}: ${error.message}`, {
        cause: error,
        hint: 'see --lock-dir',
      })
    })
  let handle: FileHandle
  try {
    handle = await open(path, 'a', 0o644)
  } catch (error) {
    // Created by another user: a read-only descriptor locks as well.
    handle = await open(path, 'r').catch(() => {
      throw new UsageError(`cannot open the cleanup lock ${path}: ${(error as Error).message}`, {
        cause: error,
        hint: 'see --lock-dir',
      })
    })
  }

  let locked: boolean
  try {
    locked = await flockOn(handle, options.waitSeconds ?? 0)
  } catch (error) {
    await handle.close()
    throw error
  }

  if (!locked) {
    await handle.close()
    const holder = (await readFile(path, 'utf8').catch(() => '')).trim()
    const waited = options.waitSeconds ? ` after waiting ${options.waitSeconds} s` : ''
    throw new LockedError(
      `another cleanup of ${registry} is running${holder ? ` (${holder})` : ''}: lock ${path} is held${waited}`,
    )
  }

  // For the message of a run that finds the lock held; the lock itself is the flock, not this text.
  await handle.truncate(0).catch(() => {})
  await handle.write(`pid ${process.pid} since ${new Date().toISOString()}\n`, 0).catch(() => {})
  return {
    path,
    release: async () => {
      await handle.close().catch(() => {})
    },
  }
}
