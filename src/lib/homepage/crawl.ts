/**
 * Gathers what the homepage shows: the catalog, each published repository's tags with digest,
 * created date, size and platforms. Incremental: one tags/list per repository and one HEAD per tag;
 * manifests and configs are read only for digests the state does not know yet.
 *
 * What is public is decided by reading anonymously: a repository whose tags answer 401/403 to an
 * anonymous client needs credentials, and is hidden unless `includeRestricted` (then it is read with
 * the credentialed client). `hide` globs are never read at all.
 */
import type {RegistryClient} from '../registry/client.js'
import {NotFoundError, ProtocolError} from '../errors.js'
import {fnmatcher} from '../glob.js'
import {compareNames, createdTime, type ImageSummary, Inventory, selectTags} from '../registry/inventory.js'
import {isValidName, isValidTag} from '../registry/reference.js'
import {type UnreadableRepository, walkRegistry} from '../registry/walk.js'
import type {HomepageState} from './state.js'

export interface SitePlatform {
  platform: string
  digest: string
  size: number
}

export interface SiteTag {
  tag: string
  digest: string
  mediaType: string
  created?: string
  /** Bytes of the image's distinct blobs (all platforms of an index). */
  size: number
  platforms?: SitePlatform[]
  /** The image could not be read (malformed or vanished manifest): shown without details. */
  error?: string
}

export interface SiteRepository {
  name: string
  /** Newest first (by created date; undated last; ties by name). */
  tags: SiteTag[]
}

export interface CrawlStats {
  /** Repositories in the catalog. */
  catalog: number
  published: number
  hidden: {byGlob: string[]; restricted: string[]; empty: number; invalid: string[]}
  tags: number
  /** Tags that are new or point at another digest than at the last build. */
  changedTags: number
  /** Tags published last time and gone now. */
  removedTags: number
  summaries: {reused: number; read: number}
  warnings: string[]
  /** With includeRestricted: repositories the credentials could not read either (a partial build). */
  unreadable: UnreadableRepository[]
}

export type CrawlProgress = {phase: 'catalog'} | {phase: 'repositories'; done: number; total: number; name?: string}

export interface CrawlOptions {
  /** Reads what anonymous users can read: decides what is public. */
  anonymous: RegistryClient
  /** Reads the catalog, and restricted repositories when they are included. */
  client: RegistryClient
  hide?: string[]
  allTags?: boolean
  includeRestricted?: boolean
  /** The previous build's state; not modified. */
  state: HomepageState
  onProgress?: (progress: CrawlProgress) => void
}

export interface CrawlResult {
  repositories: SiteRepository[]
  state: HomepageState
  stats: CrawlStats
}

/** Newest first, undated images last, ties by tag name. */
export function newestFirst(tags: SiteTag[]): SiteTag[] {
  return [...tags].sort((a, b) => createdTime(b.created) - createdTime(a.created) || compareNames(a.tag, b.tag))
}

function toSiteTag(tag: string, summary: ImageSummary): SiteTag {
  return {
    tag,
    digest: summary.digest,
    mediaType: summary.mediaType,
    created: summary.created,
    size: summary.totalSize,
    platforms: summary.platforms?.map(({platform, digest, size}) => ({platform, digest, size})),
  }
}

export async function crawlRegistry(options: CrawlOptions): Promise<CrawlResult> {
  const {anonymous, client, state} = options
  const hidden = (options.hide ?? []).map((pattern) => fnmatcher(pattern))
  const stats: CrawlStats = {
    catalog: 0,
    published: 0,
    hidden: {byGlob: [], restricted: [], empty: 0, invalid: []},
    tags: 0,
    changedTags: 0,
    removedTags: 0,
    summaries: {reused: 0, read: 0},
    warnings: [],
    unreadable: [],
  }
  options.onProgress?.({phase: 'catalog'})
  // Invalid names and tags are counted below, in the build's warnings.
  const catalog = await client.repositories({keepInvalid: true})
  stats.catalog = catalog.length
  const names: string[] = []
  for (const name of catalog) {
    if (!isValidName(name)) stats.hidden.invalid.push(name)
    else if (hidden.some((matches) => matches(name))) stats.hidden.byGlob.push(name)
    else names.push(name)
  }

  // Content-addressed: a digest's summary is the same in every repository that has it, so one
  // read serves them all, in this build (in flight) and the next (the state).
  const inFlight = new Map<string, Promise<ImageSummary | {error: string}>>()
  const inventories = new Map<RegistryClient, Inventory>()
  const inventoryOf = (reader: RegistryClient) => {
    let inventory = inventories.get(reader)
    if (!inventory) inventories.set(reader, (inventory = new Inventory(reader)))
    return inventory
  }

  const next: HomepageState = {version: state.version, registry: state.registry, tags: {}, summaries: {}}
  const summaryOf = (reader: RegistryClient, name: string, digest: string): Promise<ImageSummary | {error: string}> => {
    let pending = inFlight.get(digest)
    if (!pending) {
      const known = state.summaries[digest]
      if (known) {
        stats.summaries.reused++
        pending = Promise.resolve(known)
      } else {
        stats.summaries.read++
        pending = inventoryOf(reader)
          .summarize(name, digest)
          .catch((error: unknown) => {
            // One unreadable image (malformed, schema1, deleted meanwhile) must not take the site down.
            if (error instanceof ProtocolError || error instanceof NotFoundError) return {error: error.message}
            throw error
          })
      }

      inFlight.set(digest, pending)
    }

    return pending
  }

  let done = 0
  const total = names.length
  options.onProgress?.({phase: 'repositories', done, total})
  const crawlOne = async (reader: RegistryClient, name: string): Promise<SiteRepository | undefined> => {
    const tags = await reader.tags(name, {missingIsEmpty: true, keepInvalid: true})

    const valid = tags.filter((tag) => isValidTag(tag))
    if (valid.length < tags.length)
      stats.warnings.push(`${name}: ${tags.length - valid.length} tag(s) with invalid names not published`)
    const selected = selectTags(valid, {allTags: options.allTags})
    const entries = await Promise.all(
      selected.map(async (tag): Promise<SiteTag | undefined> => {
        let digest: string
        try {
          digest = (await reader.resolve(name, tag)).digest
        } catch (error) {
          // Deleted between the listing and the HEAD.
          if (error instanceof NotFoundError) return undefined
          throw error
        }

        if (state.tags[name]?.[tag] !== digest) stats.changedTags++
        const summary = await summaryOf(reader, name, digest)
        if ('error' in summary) {
          stats.warnings.push(`${name}:${tag} (${digest}): ${summary.error}`)
          return {tag, digest, mediaType: '', size: 0, error: summary.error}
        }

        next.summaries[digest] = summary
        return toSiteTag(tag, summary)
      }),
    )
    const published = entries.filter((entry): entry is SiteTag => entry !== undefined)
    if (published.length === 0) {
      stats.hidden.empty++
      return undefined
    }

    next.tags[name] = Object.fromEntries(published.map((entry) => [entry.tag, entry.digest]))
    return {name, tags: newestFirst(published)}
  }

  // The registry walk, anonymously: what it cannot read needs credentials, so is not public (hidden
  // by design, not a partial build). With includeRestricted those are walked again with the
  // credentials, and what still refuses them is a partial build (stats.unreadable).
  const publicWalk = await walkRegistry(anonymous, {
    names,
    read: (name) => crawlOne(anonymous, name),
    onRepository: (name) => options.onProgress?.({phase: 'repositories', done: ++done, total, name}),
  })
  const restricted = publicWalk.unreadable.map((entry) => entry.name)
  const restrictedWalk = options.includeRestricted
    ? await walkRegistry(client, {names: restricted, read: (name) => crawlOne(client, name)})
    : undefined
  if (!restrictedWalk) stats.hidden.restricted.push(...restricted)
  stats.unreadable = restrictedWalk?.unreadable ?? []
  const results = [...publicWalk.repositories, ...(restrictedWalk?.repositories ?? [])]
  const repositories = results
    .map(({value}) => value)
    .filter((repository): repository is SiteRepository => repository !== undefined)
    .sort((a, b) => compareNames(a.name, b.name))
  for (const [name, tags] of Object.entries(state.tags)) {
    for (const tag of Object.keys(tags)) if (next.tags[name]?.[tag] === undefined) stats.removedTags++
  }

  stats.published = repositories.length
  stats.tags = repositories.reduce((sum, repository) => sum + repository.tags.length, 0)
  stats.hidden.byGlob.sort()
  stats.hidden.restricted.sort()
  return {repositories, state: next, stats}
}
