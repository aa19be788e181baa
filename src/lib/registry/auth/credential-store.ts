/**
 * Writing and erasing credentials the way `docker login` / `docker logout` do, so docker and
 * registryctl share them: an `auths[HOST]` entry (`auth` = base64 of user:password) in config.json, or,
 * when the file names a helper for the host (`credHelpers[HOST]`, else `credsStore`), the helper's
 * `store` / `erase` (JSON `{ServerURL, Username, Secret}` on stdin; errors on stdout, exit 1) with an
 * empty `auths[HOST]` entry as docker leaves. The file is rewritten atomically, mode 0600, other keys kept.
 * Reading stays in auth/docker-config.ts. Accounts for a repository prefix (`login --repository`) go
 * to registryctl's own credentials file instead (auth/accounts.ts), so the host's docker entry stays.
 */
import {chmod, mkdir, readFile, realpath, rename, writeFile} from 'node:fs/promises'
import {dirname} from 'node:path'

import {normaliseAuthKey, runCredentialHelper} from './docker-config.js'
import {normalisePrefix, readStoredAccountsFile} from './accounts.js'
import {UsageError} from '../../errors.js'

export type HelperCommand = (
  helper: string,
  action: 'store' | 'erase',
  input: string,
) => Promise<{stdout: string; exitCode: number}>

const runHelper: HelperCommand = runCredentialHelper

type ConfigFile = Record<string, unknown> & {
  auths?: Record<string, Record<string, unknown>>
  credsStore?: string
  credHelpers?: Record<string, string>
}

async function readConfig(path: string): Promise<ConfigFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new UsageError(`cannot read docker config ${path}: ${(error as Error).message}`, {cause: error})
  }

  try {
    const parsed = JSON.parse(text) as unknown
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object')
    return parsed as ConfigFile
  } catch (error) {
    throw new UsageError(`docker config ${path} is not valid JSON: ${(error as Error).message}`, {cause: error})
  }
}

async function writeConfig(linkOrPath: string, config: object): Promise<void> {
  // A config.json that is a symlink (dotfiles) is written where it points, as docker does: renaming
  // over the link would replace it with a file and leave docker's own copy stale.
  const path = await realpath(linkOrPath).catch(() => linkOrPath)
  await mkdir(dirname(path), {recursive: true, mode: 0o700})
  const temporary = `${path}.registryctl-${process.pid}`
  await writeFile(temporary, `${JSON.stringify(config, null, '\t')}\n`, {mode: 0o600})
  await chmod(temporary, 0o600)
  await rename(temporary, path)
}

function helperFor(config: ConfigFile, host: string): string | undefined {
  return config.credHelpers?.[host] ?? config.credsStore
}

async function callHelper(helper: string, action: 'store' | 'erase', input: string, run: HelperCommand): Promise<void> {
  let result: {stdout: string; exitCode: number}
  try {
    result = await run(helper, action, input)
  } catch (error) {
    throw new UsageError(
      `credential helper docker-credential-${helper} could not be run: ${(error as Error).message}`,
      {cause: error},
    )
  }

  if (result.exitCode !== 0) {
    // "not found" on erase: nothing was stored there, which is what erase wants.
    if (action === 'erase' && /credentials not found/i.test(result.stdout)) return
    throw new UsageError(
      `credential helper docker-credential-${helper} ${action} failed: ${result.stdout.trim().split('\n')[0] || `exit ${result.exitCode}`}`,
    )
  }
}

/** Store credentials for `host` (`host[:port]`); returns where they went (never the secret). */
export async function storeCredentials(
  configPath: string,
  host: string,
  credentials: {username: string; password: string},
  run: HelperCommand = runHelper,
): Promise<{where: string}> {
  const config = await readConfig(configPath)
  const auths = {...config.auths}
  const helper = helperFor(config, host)
  // Entries docker may have written under another spelling of the same registry go: one entry per host.
  for (const key of Object.keys(auths)) if (key !== host && normaliseAuthKey(key) === host) delete auths[key]
  if (helper) {
    await callHelper(
      helper,
      'store',
      JSON.stringify({ServerURL: host, Username: credentials.username, Secret: credentials.password}),
      run,
    )
    auths[host] = {}
  } else {
    auths[host] = {auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}
  }

  await writeConfig(configPath, {...config, auths})
  return {where: helper ? `credential helper docker-credential-${helper} (${configPath})` : configPath}
}

/** Erase the credentials for `host`; `removed` is false when there were none. */
export async function eraseCredentials(
  configPath: string,
  host: string,
  run: HelperCommand = runHelper,
): Promise<{removed: boolean; where: string}> {
  const config = await readConfig(configPath)
  const auths = {...config.auths}
  const keys = Object.keys(auths).filter((key) => key === host || normaliseAuthKey(key) === host)
  const helper = helperFor(config, host)
  if (helper) await callHelper(helper, 'erase', host, run)
  if (keys.length === 0 && !helper) return {removed: false, where: configPath}
  for (const key of keys) delete auths[key]
  if (keys.length > 0) await writeConfig(configPath, {...config, auths})
  return {
    removed: keys.length > 0 || Boolean(helper),
    where: helper ? `credential helper docker-credential-${helper} (${configPath})` : configPath,
  }
}

/** Store an account for a repository prefix of `host` in registryctl's credentials file (0600), others kept. */
export async function storeAccount(
  path: string,
  host: string,
  prefix: string,
  credentials: {username: string; password: string},
): Promise<{where: string; prefix: string}> {
  const file = await readStoredAccountsFile(path)
  const key = normalisePrefix(prefix)
  const registries = {...file.registries}
  registries[host] = {
    ...registries[host],
    [key]: {auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')},
  }
  await writeConfig(path, {...file, registries})
  return {where: path, prefix: key}
}

/** Erase the account for a repository prefix of `host`; the host's other accounts stay. */
export async function eraseAccount(
  path: string,
  host: string,
  prefix: string,
): Promise<{removed: boolean; where: string; prefix: string}> {
  const file = await readStoredAccountsFile(path)
  const key = normalisePrefix(prefix)
  const accounts = {...file.registries?.[host]}
  if (!(key in accounts)) return {removed: false, where: path, prefix: key}
  delete accounts[key]
  const registries = {...file.registries, [host]: accounts}
  if (Object.keys(accounts).length === 0) delete registries[host]
  await writeConfig(path, {...file, registries})
  return {removed: true, where: path, prefix: key}
}
