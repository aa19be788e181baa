/**
 * The store a registry config points at. Only the filesystem driver can be read directly; any other
 * driver is named in the error, so the operator knows why.
 */
import {readFile} from 'node:fs/promises'

import {parse} from 'yaml'

import {UsageError} from '../errors.js'

/** Keys of distribution's `storage` section that are settings, not drivers. */
const NOT_DRIVERS = new Set(['delete', 'cache', 'maintenance', 'redirect', 'tag'])
const DEFAULT_ROOT = '/var/lib/registry'

export async function storeFromConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<{root: string; deleteEnabled: boolean; readOnly: boolean}> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read registry config ${path}: ${(error as Error).message}`, {cause: error})
  }

  let config: {storage?: Record<string, unknown>}
  try {
    config = (parse(text) ?? {}) as typeof config
  } catch (error) {
    throw new UsageError(`registry config ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {cause: error})
  }

  const storage = config.storage ?? {}
  const drivers = Object.keys(storage).filter((key) => !NOT_DRIVERS.has(key))
  if (drivers.length === 0) throw new UsageError(`registry config ${path} has no storage driver`)
  const driver = drivers[0]!
  if (driver !== 'filesystem') {
    throw new UsageError(`registry config ${path} uses the ${driver} storage driver: only the filesystem driver can be read directly (use gc status REGISTRY for the API view)`)
  }

  const filesystem = (storage.filesystem ?? {}) as {rootdirectory?: string}
  const maintenance = (storage.maintenance ?? {}) as {readonly?: {enabled?: boolean}}
  return {
    // distribution lets the environment override the config file.
    root: env.REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY ?? filesystem.rootdirectory ?? DEFAULT_ROOT,
    deleteEnabled: Boolean((storage.delete as {enabled?: boolean} | undefined)?.enabled),
    readOnly: Boolean(maintenance.readonly?.enabled),
  }
}
