/**
 * What is in a registry: repositories, their tags, and for each image its digest, created date,
 * size and platforms, for every manifest type (OCI and Docker images, and indexes, whose created
 * date is their newest child's). docker-registryctl read schema1 history for dates and crashed on
 * anything newer; here dates come from the image config blob, as the image spec defines them.
 */
import type {RegistryClient} from './client.js'
import {mapConcurrent} from '../concurrency.js'
import {fnmatcher} from '../glob.js'
import {type UnreadableRepository, walkRegistry} from './walk.js'
import {type Descriptor, formatPlatform, isAttestation, type Manifest, parseImageConfig} from './manifests.js'

export type TagSort = 'created' | 'name'

/**
 * "Naked" tags (git sha1s, one per CI build), hidden from listings unless asked for. The rule is
 * docker-registryctl's, `^[a-zA-Z0-9]{40}$`: any 40 letters and digits, so both hide the same tags.
 */
export const NAKED_TAG = /^[a-zA-Z0-9]{40}$/

export interface PlatformSummary {
  platform: string
  digest: string
  size: number
  created?: string
}

export interface ImageSummary {
  digest: string
  mediaType: string
  /** Size of the manifest itself. */
  size: number
  /** Bytes of all distinct blobs (configs and layers) the image references, children included. */
  totalSize: number
  /** The image's created date; for an index, its newest child's. */
  created?: string
  /** For an index: one entry per child (attestations left out). */
  platforms?: PlatformSummary[]
}

export interface TagEntry {
  tag: string
  digest?: string
  mediaType?: string
  created?: string
}

export interface ResolvedTag {
  tag: string
  digest: string
  mediaType: string
}

export interface RepositoryEntry {
  name: string
  tags: TagEntry[]
}

export interface ListedImages {
  repositories: RepositoryEntry[]
  /** Repositories the credentials cannot read (401/403), with their realm. */
  unreadable: UnreadableRepository[]
}

export interface TagSelection {
  /** fnmatch pattern on tag names; absent = every tag. */
  pattern?: string
  /** Include 40-hex git sha1 tags. */
  allTags?: boolean
}

/** Milliseconds since the epoch of an RFC 3339 date with any fraction precision (Go writes nanoseconds). */
export function createdTime(created: string | undefined): number {
  if (!created) return Number.NEGATIVE_INFINITY
  const time = Date.parse(created.replace(/(\.\d{3})\d+/, '$1'))
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time
}

/** Oldest first; undated images first (they are the oldest kind); ties by tag name. */
export function compareByCreated(a: TagEntry, b: TagEntry): number {
  return createdTime(a.created) - createdTime(b.created) || compareNames(a.tag, b.tag)
}

export function compareNames(a: string, b: string): number {
  if (a < b) return -1
  return a > b ? 1 : 0
}

/** Tags matching the pattern; 40-hex tags only with `allTags` (a listing concern: deletion decides for itself). */
export function selectTags(tags: string[], selection: TagSelection): string[] {
  const matches = selection.pattern ? fnmatcher(selection.pattern) : () => true
  return tags.filter((tag) => (selection.allTags || !NAKED_TAG.test(tag)) && matches(tag))
}

const newest = (dates: Array<string | undefined>): string | undefined =>
  dates.reduce<string | undefined>((best, date) => (createdTime(date) > createdTime(best) ? date : best), undefined)

export interface InventoryProgress {
  /** Repositories listed, of how many selected (0 when listing one repository). */
  repositories: number
  repositoriesTotal: number
  /** Tags read (listed by name, dated or resolved), of how many selected so far. */
  tags: number
  tagsTotal: number
}

/**
 * Reads images of one registry and remembers what it read: tags that share a digest, and indexes
 * that share children, cost one set of requests.
 */
export class Inventory {
  private readonly summaries = new Map<string, Promise<ImageSummary>>()
  /** How far a listing or resolution has got, for a progress display to read (plain counters). */
  readonly progress: InventoryProgress = {repositories: 0, repositoriesTotal: 0, tags: 0, tagsTotal: 0}

  constructor(readonly client: RegistryClient) {}

  /**
   * Tasks in flight: twice the session's request limit, so that a task waiting for its second
   * request (a config after a manifest) does not leave the limit idle.
   */
  private get workers(): number {
    return 2 * this.client.session.limit.concurrency
  }

  /** Summary of the image a tag or digest points at: its manifest is asked of the registry (it may not exist). */
  async summarize(name: string, reference: string): Promise<ImageSummary> {
    const {descriptor, manifest} = await this.client.manifest(name, reference)
    return this.summarizeManifest(name, descriptor, manifest)
  }

  /**
   * Summary of an image known to be in the repository (a HEAD or a listing resolved a tag to it):
   * from memory, the persistent cache, or the registry.
   */
  summarizeResolved(name: string, digest: string): Promise<ImageSummary> {
    const known = this.summaries.get(digest)
    if (known) return known
    return this.client
      .manifest(name, digest, {cached: true})
      .then(({descriptor, manifest}) => this.summarizeManifest(name, descriptor, manifest))
  }

  /**
   * Summaries are kept by digest: content-addressed, so the same image in another repository (or
   * under another tag) costs nothing more.
   */
  private summarizeManifest(name: string, descriptor: Descriptor, manifest?: Manifest): Promise<ImageSummary> {
    let summary = this.summaries.get(descriptor.digest)
    if (!summary) {
      summary = this.computeSummary(name, descriptor, manifest)
      this.summaries.set(descriptor.digest, summary)
    }

    return summary
  }

  private async computeSummary(
    name: string,
    descriptor: Descriptor,
    known?: Manifest,
    depth = 0,
  ): Promise<ImageSummary> {
    const manifest = known ?? (await this.client.manifest(name, descriptor.digest, {cached: true})).manifest
    const base = {digest: descriptor.digest, mediaType: manifest.mediaType, size: descriptor.size}
    if (manifest.kind === 'image') {
      const config = parseImageConfig(await this.client.blob(name, manifest.config.digest, {cached: true}))
      const totalSize = manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0)
      return {...base, totalSize, created: config.created}
    }

    if (depth > 1) return {...base, totalSize: 0}
    const children = manifest.manifests.filter((child) => !isAttestation(child))
    const blobs = new Map<string, number>()
    const platforms = await Promise.all(
      children.map(async (child) => {
        const {manifest: childManifest} = await this.client.manifest(name, child.digest, {cached: true})
        if (childManifest.kind === 'image') {
          for (const blob of [childManifest.config, ...childManifest.layers]) blobs.set(blob.digest, blob.size)
        }

        const summary = await this.computeSummary(name, child, childManifest, depth + 1)
        return {
          platform: formatPlatform(child.platform),
          digest: child.digest,
          size: summary.totalSize,
          created: summary.created,
        }
      }),
    )
    const totalSize = [...blobs.values()].reduce((sum, size) => sum + size, 0)
    return {...base, totalSize, created: newest(platforms.map((p) => p.created)), platforms}
  }

  /**
   * The selected tags of one repository, sorted. `created` order reads every image (one manifest and
   * one config per distinct digest); `name` order needs only the tag list.
   */
  async listTags(
    name: string,
    selection: TagSelection & {sort: TagSort; missingIsEmpty?: boolean},
  ): Promise<RepositoryEntry> {
    const selected = selectTags(await this.client.tags(name, {missingIsEmpty: selection.missingIsEmpty}), selection)
    this.progress.tagsTotal += selected.length
    if (selection.sort === 'name') {
      this.progress.tags += selected.length
      return {name, tags: selected.sort(compareNames).map((tag) => ({tag}))}
    }

    const entries = await mapConcurrent(selected, this.workers, async (tag): Promise<TagEntry> => {
      const summary = await this.summarize(name, tag)
      this.progress.tags++
      return {tag, digest: summary.digest, mediaType: summary.mediaType, created: summary.created}
    })
    return {name, tags: entries.sort(compareByCreated)}
  }

  /**
   * Every repository (or those matching `select`) with its tags, through the registry walk: a
   * repository whose tags answer 401/403 is set aside in `unreadable` and the rest is listed.
   */
  async listImages(
    options: TagSelection & {select?: string; sort: TagSort; includeEmpty?: boolean},
  ): Promise<ListedImages> {
    const matches = options.select ? fnmatcher(options.select) : undefined
    const walk = await walkRegistry(this.client, {
      select: matches,
      workers: this.workers,
      read: (name) => this.listTags(name, {allTags: options.allTags, sort: options.sort, missingIsEmpty: true}),
      onNames: (names) => (this.progress.repositoriesTotal = names.length),
      onRepository: (_name, done) => (this.progress.repositories = done),
    })
    return {
      repositories: walk.repositories
        .map(({value}) => value)
        .filter((repository) => options.includeEmpty === true || repository.tags.length > 0),
      unreadable: walk.unreadable,
    }
  }

  /**
   * Every tag of a repository resolved to its digest and media type (HEAD requests), in tag-name order.
   * A repository the registry does not know is a NotFoundError (exit 7) unless `missingIsEmpty`.
   * `onResolved` runs in the tag's task as soon as its HEAD answers (a planner's reads of that image),
   * so those reads start without waiting for every other HEAD, within the same bounded tasks.
   */
  async resolveAll(
    name: string,
    options: {
      missingIsEmpty?: boolean
      onResolved?: (entry: ResolvedTag) => Promise<void> | void
    } = {missingIsEmpty: true},
  ): Promise<ResolvedTag[]> {
    const tags = (await this.client.tags(name, {missingIsEmpty: options.missingIsEmpty})).sort(compareNames)
    this.progress.tagsTotal += tags.length
    return mapConcurrent(tags, this.workers, async (tag) => {
      const {digest, mediaType} = await this.client.resolve(name, tag)
      this.progress.tags++
      const entry = {tag, digest, mediaType}
      await options.onResolved?.(entry)
      return entry
    })
  }
}
