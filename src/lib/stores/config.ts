/**
 * The store a registry config points at: the `storage` section of distribution's config.yml, with
 * distribution's own precedence: `REGISTRY_STORAGE_<DRIVER>_<KEY>` environment variables override the
 * file's keys (values parsed as YAML, as distribution does), and `REGISTRY_STORAGE=<driver>` replaces
 * the driver, dropping the file's parameters for it. Readable drivers: filesystem, swift, s3.
 */
import {readFile} from 'node:fs/promises'

import {parse} from 'yaml'

import {UsageError} from '../errors.js'

/** Keys of distribution's `storage` section that are settings, not drivers. */
const NOT_DRIVERS = new Set(['delete', 'cache', 'maintenance', 'redirect', 'tag'])
const DEFAULT_ROOT = '/var/lib/registry'
export const READABLE_DRIVERS = ['filesystem', 'swift', 's3'] as const

export interface SwiftParameters {
  authurl: string
  username?: string
  password?: string
  /** 1, 2 or 3; 0 or absent: guessed from the URL (…/v3 → 3, …/v2.0 → 2, else 1), as distribution does. */
  authversion?: number
  container: string
  prefix?: string
  region?: string
  tenant?: string
  tenantid?: string
  domain?: string
  domainid?: string
  tenantdomain?: string
  tenantdomainid?: string
  endpointtype?: string
  insecureskipverify?: boolean
}

export interface S3Parameters {
  accesskey?: string
  secretkey?: string
  sessiontoken?: string
  region: string
  regionendpoint?: string
  bucket: string
  secure?: boolean
  skipverify?: boolean
  rootdirectory?: string
}

interface Common {
  deleteEnabled: boolean
  readOnly: boolean
}

export type StoreConfig =
  | ({driver: 'filesystem'; root: string} & Common)
  | ({driver: 'swift'; swift: SwiftParameters} & Common)
  | ({driver: 's3'; s3: S3Parameters} & Common)

/** distribution parses each variable's value as YAML: `true`, `3`, `"x"`. */
function envValue(text: string): unknown {
  try {
    return parse(text) ?? ''
  } catch {
    return text
  }
}

function asString(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined
  return String(value)
}

function asBoolean(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'boolean') return value
  return /^(true|yes|on|1)$/i.test(String(value))
}

export async function storeFromConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<StoreConfig> {
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
    throw new UsageError(
      `registry config ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]!.replace(/:$/, '')}`,
      {cause: error},
    )
  }

  if (typeof config !== 'object' || Array.isArray(config))
    throw new UsageError(`registry config ${path} is not a YAML mapping`)
  const storage = (typeof config.storage === 'object' && config.storage !== null ? config.storage : {}) as Record<
    string,
    unknown
  >
  let driver = env.REGISTRY_STORAGE?.trim() || Object.keys(storage).find((key) => !NOT_DRIVERS.has(key))
  if (!driver) throw new UsageError(`registry config ${path} has no storage driver`)
  driver = driver.toLowerCase()
  if (!(READABLE_DRIVERS as readonly string[]).includes(driver)) {
    throw new UsageError(
      `registry config ${path} uses the ${driver} storage driver: gc status reads the filesystem, swift and s3 drivers only (use gc status REGISTRY for the API view)`,
    )
  }

  // The file's parameters, unless REGISTRY_STORAGE replaced the driver; then the environment's.
  const fromFile = env.REGISTRY_STORAGE ? {} : ((storage[driver] ?? {}) as Record<string, unknown>)
  const parameters: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(fromFile)) parameters[key.toLowerCase()] = value
  const envPrefix = `REGISTRY_STORAGE_${driver.toUpperCase()}_`
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(envPrefix) && value !== undefined)
      parameters[name.slice(envPrefix.length).toLowerCase()] = envValue(value)
  }

  const setting = (section: string, key: string) => {
    const name = `REGISTRY_STORAGE_${section.toUpperCase()}_${key.toUpperCase()}`
    if (env[name] !== undefined) return envValue(env[name]!)
    return ((storage[section] ?? {}) as Record<string, unknown>)[key]
  }

  const maintenance = (storage.maintenance ?? {}) as {readonly?: {enabled?: unknown}}
  const common: Common = {
    deleteEnabled: Boolean(asBoolean(setting('delete', 'enabled'))),
    readOnly: Boolean(
      asBoolean(
        env.REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED === undefined
          ? maintenance.readonly?.enabled
          : envValue(env.REGISTRY_STORAGE_MAINTENANCE_READONLY_ENABLED),
      ),
    ),
  }
  const required = (key: string): string => {
    const value = asString(parameters[key])
    if (!value)
      throw new UsageError(
        `registry config ${path}: the ${driver} driver needs ${key} (or ${envPrefix}${key.toUpperCase()})`,
      )
    return value
  }

  switch (driver) {
    case 'filesystem': {
      return {driver, root: asString(parameters.rootdirectory) ?? DEFAULT_ROOT, ...common}
    }

    case 'swift': {
      const authversion = Number(parameters.authversion ?? 0)
      return {
        driver,
        swift: {
          authurl: required('authurl'),
          container: required('container'),
          username: asString(parameters.username),
          password: asString(parameters.password),
          authversion: Number.isFinite(authversion) ? authversion : 0,
          prefix: asString(parameters.prefix),
          region: asString(parameters.region),
          tenant: asString(parameters.tenant),
          tenantid: asString(parameters.tenantid),
          domain: asString(parameters.domain),
          domainid: asString(parameters.domainid),
          tenantdomain: asString(parameters.tenantdomain),
          tenantdomainid: asString(parameters.tenantdomainid),
          endpointtype: asString(parameters.endpointtype),
          insecureskipverify: asBoolean(parameters.insecureskipverify),
        },
        ...common,
      }
    }

    default: {
      return {
        driver: 's3',
        s3: {
          accesskey: asString(parameters.accesskey),
          secretkey: asString(parameters.secretkey),
          sessiontoken: asString(parameters.sessiontoken),
          region: required('region'),
          regionendpoint: asString(parameters.regionendpoint),
          bucket: required('bucket'),
          secure: asBoolean(parameters.secure),
          skipverify: asBoolean(parameters.skipverify),
          rootdirectory: asString(parameters.rootdirectory),
        },
        ...common,
      }
    }
  }
}
