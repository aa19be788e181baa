/**
 * Listing a registry whose credentials cannot read every repository (nginx's `restricted/` realm):
 * a repository that answers 401 or 403 is set aside, with the realm that protects it, and the rest is
 * listed. The catalog itself failing is still an error: then nothing can be listed.
 */
import {challengeRealm, parseChallenges} from './auth/challenge.js'
import {DeniedError, type UnauthorizedError} from '../errors.js'
import type {Inventory, RepositoryEntry, TagSelection, TagSort} from './inventory.js'

export interface UnreadableRepository {
  name: string
  /** 401: the credentials (or their absence) were not accepted; 403: accepted but not allowed. */
  status: 401 | 403
  /** The realm of the challenge that protects it, when the registry names one. */
  realm?: string
  message: string
}

export interface PartialListing {
  repositories: RepositoryEntry[]
  unreadable: UnreadableRepository[]
}

/**
 * The realm that protects a repository: a 401 carries it from its challenge; a 403 (credentials
 * accepted, access refused) does not, so an anonymous request for the tags asks (one request).
 */
async function realmOf(
  inventory: Inventory,
  name: string,
  error: UnauthorizedError | DeniedError,
): Promise<string | undefined> {
  if (error.realm !== undefined) return error.realm
  try {
    const base = await inventory.client.baseUrl()
    const response = await inventory.client.session.transport.request(`${base}/v2/${name}/tags/list`, {method: 'GET'})
    const challenges = parseChallenges(response.headers['www-authenticate'] as string | string[] | undefined)
    return challengeRealm(challenges)
  } catch {
    return undefined
  }
}

/** Every repository (or those matching `select`) with its tags; unreadable ones set aside. */
export async function listImagesPartially(
  inventory: Inventory,
  options: TagSelection & {select?: string; sort: TagSort; includeEmpty?: boolean},
): Promise<PartialListing> {
  const unreadable: UnreadableRepository[] = []
  const repositories = await inventory.listImages({
    ...options,
    async onUnreadable(name, error) {
      unreadable.push({
        name,
        status: error instanceof DeniedError ? 403 : 401,
        realm: await realmOf(inventory, name, error),
        message: error.message,
      })
    },
  })
  return {repositories, unreadable: unreadable.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))}
}
