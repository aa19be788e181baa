/**
 * One walk over a registry for every command that reads many repositories (list-images, cleanup,
 * gc status, homepage): the catalog, then one read per repository. Credentials rarely read every
 * repository (nginx's `restricted/` realm refuses the build account), so a repository answering 401
 * or 403 is set aside as data, with the realm that protects it, and the walk goes on; the caller
 * decides what that means (partial: exit 15; or hidden by design). Any other failure, and the
 * catalog itself failing, is still an error: then the walk cannot say what the registry holds.
 */
import {challengeRealm, parseChallenges} from './auth/challenge.js'
import type {RegistryClient} from './client.js'
import {mapConcurrent} from '../concurrency.js'
import {DeniedError, UnauthorizedError} from '../errors.js'

export interface UnreadableRepository {
  name: string
  /** 401: the credentials (or their absence) were not accepted; 403: accepted but not allowed. */
  status: 401 | 403
  /** The realm of the challenge that protects it, when the registry names one. */
  realm?: string
  message: string
}

export interface Walk<T> {
  /** The repositories that were read, in the order they were given (the catalog's). */
  repositories: Array<{name: string; value: T}>
  /** The repositories that answered 401/403, by name. */
  unreadable: UnreadableRepository[]
}

export interface WalkOptions<T> {
  /** The repositories to read; default: the catalog, as `client` reads it. */
  names?: string[]
  /** Of those, the ones the command is about (its selection or policy): the others are not read at all. */
  select?: (name: string) => boolean
  /** Reads one repository; a 401/403 it throws sets the repository aside. */
  read: (name: string) => Promise<T>
  /** Repositories read at once (default: twice the session's request limit). */
  workers?: number
  /** Called once the repositories to read are known (before the first read). */
  onNames?: (names: string[]) => void
  /** Called as each repository is done (read or set aside). */
  onRepository?: (name: string, done: number, total: number) => void
}

const isRefusal = (error: unknown): error is UnauthorizedError | DeniedError =>
  error instanceof UnauthorizedError || error instanceof DeniedError

/**
 * The realm that protects a repository: a 401 carries it from its challenge; a 403 (credentials
 * accepted, access refused) does not, so an anonymous request for the tags asks (one request).
 */
async function realmOf(
  client: RegistryClient,
  name: string,
  error: UnauthorizedError | DeniedError,
): Promise<string | undefined> {
  if (error.realm !== undefined) return error.realm
  try {
    const base = await client.baseUrl()
    const response = await client.session.transport.request(`${base}/v2/${name}/tags/list`, {method: 'GET'})
    return challengeRealm(parseChallenges(response.headers['www-authenticate'] as string | string[] | undefined))
  } catch {
    return undefined
  }
}

/** Refused repositories in name order, so reports and --json are stable from run to run. */
function byName(unreadable: UnreadableRepository[]): UnreadableRepository[] {
  return [...unreadable].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

export async function walkRegistry<T>(client: RegistryClient, options: WalkOptions<T>): Promise<Walk<T>> {
  const names = (options.names ?? (await client.repositories())).filter(
    (name) => !options.select || options.select(name),
  )
  options.onNames?.(names)
  const unreadable: UnreadableRepository[] = []
  let done = 0
  const read = await mapConcurrent(names, options.workers ?? 2 * client.session.limit.concurrency, async (name) => {
    try {
      return {name, value: await options.read(name)}
    } catch (error) {
      if (!isRefusal(error)) throw error
      unreadable.push({
        name,
        status: error instanceof DeniedError ? 403 : 401,
        realm: await realmOf(client, name, error),
        message: error.message,
      })
      return undefined
    } finally {
      options.onRepository?.(name, ++done, names.length)
    }
  })
  return {
    repositories: read.filter((entry): entry is {name: string; value: Awaited<T>} => entry !== undefined),
    unreadable: byName(unreadable),
  }
}
