/**
 * Per-registry settings: a YAML file in the user's config dir
 * (`$XDG_CONFIG_HOME/registryctl/config.yaml`, default `~/.config/…`), then `/etc/registryctl/config.yaml`,
 * environment variables, and the command's flags; precedence flags > environment > user file > system
 * file > built-in defaults. Within a file, a `registries: {HOST: …}` entry overrides that file's
 * top-level values for that registry.
 *
 *     default-registry: docker-registry.wikimedia.org      # for names without a host: wikimedia/app
 *     aliases: {public: docker-registry.wikimedia.org}      # `public/wikimedia/app`
 *     timeout: 30                                           # seconds per request
 *     registries:
 *       docker-registry.discovery.wmnet:
 *         ca-file: /etc/ssl/certs/wmf-ca-certificates.crt
 *         credentials: /etc/registryctl/ci-docker-config.json   # docker | none | PATH of a config.json
 *         accounts:                                     # more accounts for this host (auth/accounts.ts)
 *           - repository: restricted                    # a repository prefix, and/or
 *             realm: docker-registry restricted (restricted-read)   # a challenge's realm
 *             username: k8s-read
 *             password-file: /etc/registryctl/k8s-read.password     # or password-env: VAR, or helper: NAME
 *
 * CA certificates are also read, as docker does, from `/etc/docker/certs.d/HOST[:PORT]/*.crt`, and from
 * `$SSL_CERT_FILE`; both add to the system CAs (Node also honours `$NODE_EXTRA_CA_CERTS` by itself).
 * `$REGISTRYCTL_CONFIG`, `$REGISTRYCTL_SYSTEM_CONFIG` and `$REGISTRYCTL_CERTS_D` point elsewhere.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {createRequire} from 'node:module'

import {UsageError} from '../errors.js'
import {type Account, normalisePrefix} from './auth/accounts.js'

/** The YAML parser, loaded only when a settings file exists (it costs start-up time otherwise). */
const loadYaml = () => createRequire(import.meta.url)('yaml') as typeof import('yaml')

export interface RegistrySettings {
  /** PEM file of CAs trusted besides the system ones. */
  caFile?: string
  insecure?: boolean
  /** Seconds per request. */
  timeout?: number
  retries?: number
  concurrency?: number
  /** `docker` ($DOCKER_CONFIG/config.json), `none` (anonymous), or the path of a docker-style config.json. */
  credentials?: string
  /** Where deletions record what a restore needs (default $XDG_STATE_HOME/registryctl). */
  recordDir?: string
  /** How long recovery records are kept (a duration: 30d). */
  recordKeep?: string
  /** Accounts for parts of the registry (only under `registries: {HOST: …}`). */
  accounts?: Account[]
}

export interface SettingsLayer {
  /** Where it comes from: a file path, `environment`, `flags`, `built-in`. */
  source: string
  defaultRegistry?: string
  aliases?: Record<string, string>
  settings: RegistrySettings
  registries?: Record<string, RegistrySettings>
}

export interface EffectiveSettings {
  registry?: string
  defaultRegistry?: string
  aliases: Record<string, string>
  caFile?: string
  insecure: boolean
  timeout: number
  retries: number
  concurrency: number
  credentials: string
  recordDir?: string
  recordKeep?: string
  /** The registry's accounts, from every layer (higher precedence first). */
  accounts: Account[]
  /** CA files added for this registry: docker's certs.d and $SSL_CERT_FILE. */
  extraCaFiles: string[]
  /** Where each value came from. */
  origins: Record<string, string>
  /** Files consulted, and whether they exist. */
  files: Array<{path: string; found: boolean}>
}

export const BUILT_IN: SettingsLayer = {
  source: 'built-in',
  settings: {insecure: false, timeout: 30, retries: 4, concurrency: 8, credentials: 'docker'},
}

const KEYS: Record<
  string,
  {name: keyof RegistrySettings; type: 'string' | 'boolean' | 'integer'; min?: number; max?: number}
> = {
  'ca-file': {name: 'caFile', type: 'string'},
  insecure: {name: 'insecure', type: 'boolean'},
  timeout: {name: 'timeout', type: 'integer', min: 1},
  retries: {name: 'retries', type: 'integer', min: 0},
  concurrency: {name: 'concurrency', type: 'integer', min: 1, max: 128},
  credentials: {name: 'credentials', type: 'string'},
  'record-dir': {name: 'recordDir', type: 'string'},
  'record-keep': {name: 'recordKeep', type: 'string'},
}

export function userSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.REGISTRYCTL_CONFIG ?? join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'registryctl', 'config.yaml')
}

export function systemSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.REGISTRYCTL_SYSTEM_CONFIG ?? '/etc/registryctl/config.yaml'
}

function checkValue(key: string, value: unknown, where: string): string | boolean | number {
  const spec = KEYS[key]!
  if (spec.type === 'string' && typeof value === 'string' && value !== '') return value
  if (spec.type === 'boolean' && typeof value === 'boolean') return value
  if (
    spec.type === 'integer' &&
    Number.isInteger(value) &&
    (value as number) >= (spec.min ?? 0) &&
    (value as number) <= (spec.max ?? Number.MAX_SAFE_INTEGER)
  )
    return value as number
  const range =
    spec.type === 'integer'
      ? ` an integer${spec.min === undefined ? '' : ` ≥ ${spec.min}`}${spec.max === undefined ? '' : ` ≤ ${spec.max}`}`
      : ` a ${spec.type}`
  throw new UsageError(`${where}: ${key} must be${range}, not ${JSON.stringify(value)}`)
}

function readRegistrySettings(
  object: Record<string, unknown>,
  where: (key: string) => string,
  allowed: Set<string>,
): RegistrySettings {
  const settings: RegistrySettings = {}
  for (const [key, value] of Object.entries(object)) {
    if (allowed.has(key)) continue
    if (!(key in KEYS))
      throw new UsageError(
        `${where(key)}: unknown setting "${key}" (known: ${[...Object.keys(KEYS), ...allowed].join(', ')})`,
      )
    ;(settings as Record<string, unknown>)[KEYS[key]!.name] = checkValue(key, value, where(key))
  }

  return settings
}

/** Strip a scheme and trailing slashes: `https://host:5000/` → `host:5000`. */
export function normaliseRegistryKey(key: string): string {
  return key
    .trim()
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/+$/, '')
}

/** Parse one settings file; undefined when it does not exist. Errors name the file and line. */
export function readSettingsFile(path: string): SettingsLayer | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UsageError(`cannot read settings ${path}: ${(error as Error).message}`, {cause: error})
  }

  const {isMap, LineCounter, parseDocument} = loadYaml()
  const lineCounter = new LineCounter()
  const document = parseDocument(text, {lineCounter})
  if (document.errors.length > 0) {
    const [error] = document.errors
    throw new UsageError(`${path}:${error!.linePos?.[0].line ?? '?'}: ${error!.message.split('\n')[0]}`)
  }

  const lineOf = (key: string, inside?: string): string => {
    const node = inside ? document.getIn([...inside.split('\0'), key], true) : document.get(key, true)
    const range = (node as {range?: number[]} | undefined)?.range
    return range ? `${path}:${lineCounter.linePos(range[0]!).line}` : path
  }

  const root: unknown = document.toJS()
  if (root === null || root === undefined) return {source: path, settings: {}}
  if (!isMap(document.contents)) throw new UsageError(`${path}: expected a mapping of settings`)
  const object = root as Record<string, unknown>
  const top = new Set(['default-registry', 'aliases', 'registries'])
  const layer: SettingsLayer = {source: path, settings: readRegistrySettings(object, (key) => lineOf(key), top)}
  if (object['default-registry'] !== undefined) {
    if (typeof object['default-registry'] !== 'string')
      throw new UsageError(`${lineOf('default-registry')}: default-registry must be a host[:port]`)
    layer.defaultRegistry = normaliseRegistryKey(object['default-registry'])
  }

  for (const section of ['aliases', 'registries'] as const) {
    const value = object[section]
    if (value === undefined || value === null) continue
    if (typeof value !== 'object' || Array.isArray(value))
      throw new UsageError(`${lineOf(section)}: ${section} must be a mapping`)
    for (const [name, entry] of Object.entries(value as Record<string, unknown>)) {
      if (section === 'aliases') {
        if (typeof entry !== 'string')
          throw new UsageError(`${lineOf(name, section)}: alias ${name} must name a registry host[:port]`)
        layer.aliases = {...layer.aliases, [name]: normaliseRegistryKey(entry)}
      } else {
        if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
          throw new UsageError(`${lineOf(name, section)}: registries.${name} must be a mapping of settings`)
        const settings = readRegistrySettings(
          entry as Record<string, unknown>,
          (key) => lineOf(key, `${section}\0${name}`),
          new Set(['accounts']),
        )
        const accounts = (entry as Record<string, unknown>).accounts
        if (accounts !== undefined && accounts !== null)
          settings.accounts = readAccounts(accounts, (index, key) =>
            lineOf(
              key ?? String(index),
              key === undefined ? `${section}\0${name}\0accounts` : `${section}\0${name}\0accounts\0${index}`,
            ),
          )
        layer.registries = {...layer.registries, [normaliseRegistryKey(name)]: settings}
      }
    }
  }

  return layer
}

const ACCOUNT_KEYS = ['repository', 'realm', 'username', 'helper', 'server-url', 'password-file', 'password-env']
const SECRET_KEYS = ['helper', 'password-file', 'password-env']

/** `accounts:` of a registry: a list of {repository and/or realm, username, one secret source}. */
function readAccounts(value: unknown, where: (index: number, key?: string) => string): Account[] {
  if (!Array.isArray(value)) throw new UsageError(`${where(0)}: accounts must be a list`)
  return value.map((entry: unknown, index) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw new UsageError(`${where(index)}: each account must be a mapping`)
    const fields = entry as Record<string, unknown>
    for (const [key, field] of Object.entries(fields)) {
      if (!ACCOUNT_KEYS.includes(key))
        throw new UsageError(
          `${where(index, key)}: unknown account setting "${key}" (known: ${ACCOUNT_KEYS.join(', ')})`,
        )
      if (typeof field !== 'string' || (field === '' && key !== 'repository'))
        throw new UsageError(`${where(index, key)}: ${key} must be a string, not ${JSON.stringify(field)}`)
    }

    const text = fields as Record<string, string | undefined>
    if (text.repository === undefined && text.realm === undefined)
      throw new UsageError(`${where(index)}: an account serves a repository prefix (repository:) or a realm (realm:)`)
    const secrets = SECRET_KEYS.filter((key) => text[key] !== undefined)
    if (secrets.length !== 1)
      throw new UsageError(`${where(index)}: an account names one secret source (${SECRET_KEYS.join(', ')})`)
    if (secrets[0] !== 'helper' && text.username === undefined)
      throw new UsageError(`${where(index)}: an account with ${secrets[0]} needs a username`)
    if (text['server-url'] !== undefined && secrets[0] !== 'helper')
      throw new UsageError(`${where(index, 'server-url')}: server-url is for helper accounts`)
    return {
      repository: text.repository === undefined ? undefined : normalisePrefix(text.repository),
      realm: text.realm,
      username: text.username,
      secret:
        secrets[0] === 'helper'
          ? {kind: 'helper', helper: text.helper!, serverUrl: text['server-url']}
          : secrets[0] === 'password-file'
            ? {kind: 'file', path: text['password-file']!}
            : {kind: 'env', variable: text['password-env']!},
      declaredIn: where(index),
    }
  })
}

/** REGISTRYCTL_DEFAULT_REGISTRY, _CA_FILE, _INSECURE, _TIMEOUT, _RETRIES, _CONCURRENCY, _CREDENTIALS. */
export function environmentLayer(env: NodeJS.ProcessEnv = process.env): SettingsLayer {
  const settings: Record<string, unknown> = {}
  for (const key of Object.keys(KEYS)) {
    const variable = `REGISTRYCTL_${key.toUpperCase().replaceAll('-', '_')}`
    const raw = env[variable]
    if (raw === undefined || raw === '') continue
    const spec = KEYS[key]!
    let value: unknown = raw
    if (spec.type === 'boolean')
      value = /^(?:1|true|yes)$/i.test(raw) ? true : /^(?:0|false|no)$/i.test(raw) ? false : raw
    if (spec.type === 'integer') value = /^\d+$/.test(raw) ? Number(raw) : raw
    settings[spec.name] = checkValue(key, value, variable)
  }

  const defaultRegistry = env.REGISTRYCTL_DEFAULT_REGISTRY
    ? normaliseRegistryKey(env.REGISTRYCTL_DEFAULT_REGISTRY)
    : undefined
  return {source: 'environment', defaultRegistry, settings: settings as RegistrySettings}
}

/** The files and the environment, lowest precedence first (built-in, system, user, environment). */
export function loadSettingsLayers(env: NodeJS.ProcessEnv = process.env): {
  layers: SettingsLayer[]
  files: Array<{path: string; found: boolean}>
} {
  const files = [systemSettingsPath(env), userSettingsPath(env)]
  const layers = [BUILT_IN]
  const found: Array<{path: string; found: boolean}> = []
  for (const path of files) {
    const layer = readSettingsFile(path)
    found.push({path, found: Boolean(layer)})
    if (layer) layers.push(layer)
  }

  layers.push(environmentLayer(env))
  return {layers, files: found}
}

/** docker's CA convention: every `*.crt` in `/etc/docker/certs.d/HOST[:PORT]/` (ca.crt by custom). */
export function dockerCertsFiles(host: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = join(env.REGISTRYCTL_CERTS_D ?? '/etc/docker/certs.d', host.replaceAll(/[/\\]/g, '_'))
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.crt'))
      .sort()
      .map((name) => join(dir, name))
  } catch {
    return []
  }
}

/** Merge the layers (lowest precedence first) for one registry, or for none. */
export function resolveSettings(
  layers: SettingsLayer[],
  options: {registry?: string; env?: NodeJS.ProcessEnv; files?: Array<{path: string; found: boolean}>} = {},
): EffectiveSettings {
  const env = options.env ?? process.env
  const values: Record<string, unknown> = {}
  const origins: Record<string, string> = {}
  let defaultRegistry: string | undefined
  const aliases: Record<string, string> = {}
  let accounts: Account[] = []
  for (const layer of layers) {
    if (layer.defaultRegistry) {
      defaultRegistry = layer.defaultRegistry
      origins.defaultRegistry = layer.source
    }

    Object.assign(aliases, layer.aliases)
    const specific = options.registry ? layer.registries?.[options.registry] : undefined
    for (const [source, settings] of [
      [layer.source, layer.settings],
      [`${layer.source} (registries.${options.registry})`, specific],
    ] as const) {
      for (const [name, value] of Object.entries(settings ?? {})) {
        if (value === undefined) continue
        // Accounts add up across files; the higher file's come first, so they win ties.
        if (name === 'accounts') {
          accounts = [...(value as Account[]), ...accounts]
          continue
        }

        values[name] = value
        origins[name] = source
      }
    }
  }

  const extraCaFiles = options.registry ? dockerCertsFiles(options.registry, env) : []
  if (env.SSL_CERT_FILE && existsSync(env.SSL_CERT_FILE)) extraCaFiles.push(env.SSL_CERT_FILE)
  return {
    registry: options.registry,
    defaultRegistry,
    aliases,
    caFile: values.caFile as string | undefined,
    insecure: values.insecure as boolean,
    timeout: values.timeout as number,
    retries: values.retries as number,
    concurrency: values.concurrency as number,
    credentials: values.credentials as string,
    recordDir: values.recordDir as string | undefined,
    recordKeep: values.recordKeep as string | undefined,
    accounts,
    extraCaFiles,
    origins,
    files: options.files ?? [],
  }
}

/** Session options for the credentials setting. */
export function credentialOptions(credentials: string): {configPath?: string; ignoreDockerConfig?: boolean} {
  if (credentials === 'docker') return {}
  if (credentials === 'none') return {ignoreDockerConfig: true}
  return {configPath: credentials}
}
