/**
 * Several accounts for one registry host. docker's config holds one credential per host; a registry
 * behind per-realm passwords (nginx: pushes in one realm, reads of `restricted/` in another) needs
 * one per part of the registry. An account serves a repository prefix and/or an auth realm, and names
 * where its secret comes from: a docker credential helper, a file, an environment variable, or
 * registryctl's own credentials file (written by `login --repository`). Which account serves which
 * request is decided in one place, chooseAccount; docker's config stays the default for the rest.
 */
import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {UsageError} from '../../errors.js'
import {type Credentials, credentialsFromHelper, type HelperRunner} from './docker-config.js'

export type SecretSource =
  | {kind: 'helper'; helper: string; serverUrl?: string}
  | {kind: 'file'; path: string}
  | {kind: 'env'; variable: string}
  | {kind: 'stored'; path: string; auth: string}

export interface Account {
  /** A repository prefix, by path segment: `restricted` serves `restricted` and `restricted/…`. */
  repository?: string
  /** The challenge's realm (nginx's auth_basic text, or a token server's URL). */
  realm?: string
  username?: string
  secret: SecretSource
  /** Where the account is declared (a settings file and line, the credentials file): for messages. */
  declaredIn: string
}

/** `/restricted/` → `restricted`: prefixes compare by path segment, without slashes at either end. */
export function normalisePrefix(prefix: string): string {
  return prefix.trim().replace(/^\/+|\/+$/g, '')
}

export function prefixServes(prefix: string, repository: string): boolean {
  return prefix === '' || repository === prefix || repository.startsWith(`${prefix}/`)
}

/** The repository a request is about, from its scopes (`repository:NAME:pull`); none for /v2/ and the catalog. */
export function repositoryOfScopes(scopes: string[]): string | undefined {
  for (const scope of scopes) {
    const match = /^repository:(.+):[^:]*$/.exec(scope)
    if (match) return match[1]
  }

  return undefined
}

/**
 * The account for a request: the longest repository prefix of its repository, else the account of
 * the challenge's realm, else none (the host's default: --username, or docker's config). Among
 * equals, the first declared wins (settings before the credentials file).
 */
export function chooseAccount(
  accounts: Account[],
  request: {repository?: string; realm?: string},
): Account | undefined {
  let best: Account | undefined
  if (request.repository !== undefined) {
    for (const account of accounts) {
      if (account.repository === undefined || !prefixServes(account.repository, request.repository)) continue
      if (!best || account.repository.length > best.repository!.length) best = account
    }
  }

  if (best) return best
  if (request.realm === undefined) return undefined
  return accounts.find((account) => account.realm === request.realm)
}

/** What an account serves, for messages and `config`: `repository restricted`, `realm "…"`. */
export function describeAccount(account: Account): string {
  const serves = [
    account.repository === undefined ? undefined : `repository ${account.repository || '(all)'}`,
    account.realm === undefined ? undefined : `realm "${account.realm}"`,
  ].filter(Boolean)
  return serves.join(', ')
}

/** Where the secret comes from, never the secret. */
export function describeSecret(secret: SecretSource): string {
  switch (secret.kind) {
    case 'helper': {
      return `credential helper docker-credential-${secret.helper}`
    }

    case 'file': {
      return `file ${secret.path}`
    }

    case 'env': {
      return `environment variable ${secret.variable}`
    }

    case 'stored': {
      return secret.path
    }
  }
}

/** The account's credentials; throws a UsageError naming the source when it holds none. */
export async function accountCredentials(
  account: Account,
  host: string,
  options: {runHelper?: HelperRunner; env?: NodeJS.ProcessEnv} = {},
): Promise<Credentials> {
  const {secret} = account
  const source = `${describeSecret(secret)} (account for ${describeAccount(account)}, ${account.declaredIn})`
  const withUser = (password: string): Credentials => ({username: account.username, password, source})
  switch (secret.kind) {
    case 'helper': {
      const serverUrl = secret.serverUrl ?? (account.repository ? `${host}/${account.repository}` : host)
      const found = await credentialsFromHelper(secret.helper, serverUrl, options.runHelper)
      if (!found) throw new UsageError(`${source} has no credentials for ${serverUrl}`)
      return {...found, username: found.username ?? account.username, source}
    }

    case 'file': {
      let text: string
      try {
        text = await readFile(secret.path, 'utf8')
      } catch (error) {
        throw new UsageError(`cannot read the password of ${source}: ${(error as Error).message}`, {cause: error})
      }

      const password = text.replace(/\r?\n$/, '')
      if (!password) throw new UsageError(`${source} is empty`)
      return withUser(password)
    }

    case 'env': {
      const password = (options.env ?? process.env)[secret.variable]
      if (!password) throw new UsageError(`${source} is not set`)
      return withUser(password)
    }

    case 'stored': {
      const decoded = Buffer.from(secret.auth, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon < 0) throw new UsageError(`${source}: the entry is not base64 of user:password`)
      return {username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source}
    }
  }
}

/** registryctl's own credentials file: $REGISTRYCTL_ACCOUNTS_FILE, else next to the user settings. */
export function storedAccountsPath(env: NodeJS.ProcessEnv = process.env): string {
  return (
    env.REGISTRYCTL_ACCOUNTS_FILE ??
    join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'registryctl', 'credentials.json')
  )
}

/** The file's shape: `{"registries": {"HOST": {"PREFIX": {"auth": base64("user:password")}}}}`. */
export interface StoredAccountsFile {
  registries?: Record<string, Record<string, {auth?: string}>>
}

export async function readStoredAccountsFile(path: string): Promise<StoredAccountsFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new UsageError(`cannot read credentials ${path}: ${(error as Error).message}`, {cause: error})
  }

  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new UsageError(`credentials ${path} is not valid JSON: ${(error as Error).message}`, {cause: error})
  }

  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
  if (!isObject(parsed) || (parsed.registries !== undefined && !isObject(parsed.registries)))
    throw new UsageError(`credentials ${path}: expected {"registries": {HOST: {PREFIX: {"auth": …}}}}`)
  for (const [host, prefixes] of Object.entries(parsed.registries ?? {})) {
    if (!isObject(prefixes)) throw new UsageError(`credentials ${path}: registries["${host}"] is not an object`)
    for (const [prefix, entry] of Object.entries(prefixes))
      if (!isObject(entry) || typeof entry.auth !== 'string')
        throw new UsageError(`credentials ${path}: registries["${host}"]["${prefix}"].auth is not a string`)
  }

  return parsed as StoredAccountsFile
}

/** The accounts `login --repository` stored for a host (username from the entry, never the password). */
export async function storedAccounts(path: string, host: string): Promise<Account[]> {
  const file = await readStoredAccountsFile(path)
  return Object.entries(file.registries?.[host] ?? {}).map(([prefix, entry]) => {
    const decoded = Buffer.from(entry.auth!, 'base64').toString('utf8')
    return {
      repository: normalisePrefix(prefix),
      username: decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : undefined,
      secret: {kind: 'stored', path, auth: entry.auth!},
      declaredIn: 'login --repository',
    }
  })
}
