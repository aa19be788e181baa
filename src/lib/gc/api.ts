/**
 * A registry's garbage-collection state as its API shows it, with no lasting side effect:
 *  - deletes enabled? a DELETE of an all-zero digest in a repository that does not exist: 404 means
 *    enabled, 405 UNSUPPORTED disabled, a plain 405 read-only mode;
 *  - writable? a blob upload opened and cancelled at once (nothing stays but what a cancelled upload
 *    leaves: `_uploads/<uuid>/hashstates`, no data and no repository in the catalog);
 *  - the API version, whether the catalog answers, and the repositories with no tags left (deleted
 *    repositories stay in distribution's catalog).
 */
import type {RegistryClient} from '../registry/client.js'
import {ExitCode, isRegistryCtlError, RegistryResponseError, ServerError} from '../errors.js'
import {RETRY_STATUS_CODES} from '../registry/transport.js'
import {type UnreadableRepository, walkRegistry} from '../registry/walk.js'

export type ProbeVerdict = 'enabled' | 'disabled' | 'writable' | 'read-only' | 'unknown' | 'skipped'

export interface ApiState {
  registry: string
  apiVersion?: string
  /**
   * reachable: the catalog answered. Then `unreadable` names the repositories whose tag lists the
   * credentials cannot read (401/403, with their realm): the catalog is fine, the check is partial.
   */
  catalog: {
    reachable: boolean
    repositories?: number
    unreadable?: UnreadableRepository[]
    error?: string
    exitCode?: number
  }
  emptyRepositories?: string[]
  /** exitCode: set when the probe could not answer (verdict unknown), the code of what stopped it. */
  deletes: {verdict: ProbeVerdict; detail: string; exitCode?: number}
  writes: {verdict: ProbeVerdict; detail: string; exitCode?: number}
  /** Deletions recorded on this host (registryctl restore) the next collection would make permanent. */
  restorable?: {restorableTags: number; restorableImages: number; lostTags: number; unknownTags: number}
}

/**
 * A probe that could not answer leaves the state unknown, and scripts must not read that as healthy:
 * the first such probe, with the exit code of what stopped it (3 unreachable, 5/6 credentials, 9 the
 * registry misbehaved); undefined when every probe answered.
 */
export function unansweredProbe(state: ApiState): {probe: string; exitCode: number; reason: string} | undefined {
  if (state.catalog.exitCode !== undefined)
    return {probe: 'catalog', exitCode: state.catalog.exitCode, reason: state.catalog.error ?? 'not reachable'}
  for (const probe of ['deletes', 'writes'] as const) {
    const {exitCode, detail} = state[probe]
    if (exitCode !== undefined) return {probe, exitCode, reason: detail}
  }

  return undefined
}

function classify(
  error: unknown,
  whenRefused: ProbeVerdict,
  refusedDetail: string,
): {verdict: ProbeVerdict; detail: string; exitCode?: number} {
  if (!isRegistryCtlError(error)) throw error
  if (error.exitCode === ExitCode.UNSUPPORTED) {
    if (error instanceof RegistryResponseError && error.status === 403)
      return {
        verdict: 'read-only',
        detail: 'the front refuses writes with 403 before authentication (read-only maintenance)',
      }
    return /read-only/.test(error.message)
      ? {
          verdict: 'read-only',
          detail: 'the registry answers writes with 405 Method not allowed (read-only/maintenance mode)',
        }
      : {verdict: whenRefused, detail: refusedDetail}
  }

  if (error.exitCode === ExitCode.UNAUTHORIZED || error.exitCode === ExitCode.DENIED) {
    return {verdict: 'unknown', detail: `the credentials cannot tell: ${error.message}`, exitCode: error.exitCode}
  }

  if (error.exitCode === ExitCode.REGISTRY && /answered 503/.test(error.message)) {
    return {verdict: 'read-only', detail: 'the registry answers writes with 503'}
  }

  return {verdict: 'unknown', detail: error.message, exitCode: error.exitCode}
}

/**
 * The transport never retries a POST, so one passing 503 or 429 would read as read-only mode: ask up
 * to three times before concluding (a maintenance 503 answers every time). A repeated probe costs at
 * most one more cancelled upload.
 */
async function probeWrites(client: RegistryClient, probe: string, attempts = 3): Promise<ApiState['writes']> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.probePush(probe)
      return {verdict: 'writable', detail: 'a blob upload was opened (202) and cancelled'}
    } catch (error) {
      const passing = error instanceof ServerError && RETRY_STATUS_CODES.includes(error.status)
      if (!passing || attempt >= attempts) return classify(error, 'read-only', 'a blob upload answered 405')

      await new Promise((resolve) => setTimeout(resolve, 300 * attempt))
    }
  }
}

export async function probeApiState(client: RegistryClient, options: {writeProbe?: boolean} = {}): Promise<ApiState> {
  const {apiVersion} = await client.ping()
  // A name nobody uses: the probes must not touch a real repository. Always the same one: a cancelled
  // upload leaves its repository's folder in the store, and a new name per run (an hourly check) would
  // add a folder every hour, forever; the upload's own leftovers go with the registry's upload purging.
  const probe = 'registryctl-probe/gc-status'
  let deletes: ApiState['deletes']
  try {
    await client.probeDelete(probe)
    deletes = {verdict: 'enabled', detail: 'a DELETE of a missing manifest answered 404'}
  } catch (error) {
    deletes = classify(error, 'disabled', 'DELETE answers 405 UNSUPPORTED: storage.delete.enabled is false')
  }

  let writes: ApiState['writes'] = {verdict: 'skipped', detail: '--no-write-probe'}
  if (options.writeProbe !== false) {
    writes = await probeWrites(client, probe)
  }

  let catalog: ApiState['catalog']
  let emptyRepositories: string[] | undefined
  let names: string[] | undefined
  try {
    names = await client.repositories()
    catalog = {reachable: true, repositories: names.length}
  } catch (error) {
    if (!isRegistryCtlError(error)) throw error
    catalog = {reachable: false, error: error.message, exitCode: error.exitCode}
  }

  if (names) {
    try {
      // The registry walk: a repository whose tags the credentials cannot read is named, not fatal.
      const walk = await walkRegistry(client, {
        names,
        read: async (name) => (await client.tags(name, {missingIsEmpty: true})).length,
      })
      emptyRepositories = walk.repositories.filter(({value}) => value === 0).map(({name}) => name)
      catalog.unreadable = walk.unreadable
    } catch (error) {
      // The catalog answered; a tag list failing otherwise (5xx, reset) leaves the emptiness unknown.
      if (!isRegistryCtlError(error)) throw error
      catalog = {...catalog, error: `a tag list could not be read: ${error.message}`, exitCode: error.exitCode}
    }
  }

  return {registry: client.host, apiVersion, catalog, emptyRepositories, deletes, writes}
}
