/**
 * What is in a registry: repositories, their tags, and for each image its digest, created date,
 * size and platforms, for every manifest type (OCI and Docker images, and indexes, whose created
 * date is their newest child's). docker-registryctl read schema1 history for dates and crashed on
 * anything newer; here dates come from the image config blob, as the image spec defines them.
 */
import type {RegistryClient} from './client.js'
import {fnmatcher} from './glob.js'
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

export interface RepositoryEntry {
  name: string
  tags: TagEntry[]
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

/**
 * Reads images of one registry and remembers what it read: tags that share a digest, and indexes
 * that share children, cost one set of requests.
 */
export class Inventory {
  private readonly summaries = new Map<string, Promise<ImageSummary>>()

  constructor(readonly client: RegistryClient) {}

  /** Summary of the image a tag or digest points at. */
  async summarize(name: string, reference: string): Promise<ImageSummary> {
    const {descriptor, manifest} = await this.client.manifest(name, reference)
    return this.summarizeManifest(name, descriptor, manifest)
  }

  private summarizeManifest(name: string, descriptor: Descriptor, manifest?: Manifest): Promise<ImageSummary> {
    const key = `${name}@${descriptor.digest}`
    let summary = this.summaries.get(key)
    if (!summary) {
      summary = this.computeSummary(name, descriptor, manifest)
      this.summaries.set(key, summary)
    }

    return summary
  }

  private async computeSummary(name: string, descriptor: Descriptor, known?: Manifest, depth = 0): Promise<ImageSummary> {
    const manifest = known ?? (await this.client.manifest(name, descriptor.digest)).manifest
    const base = {digest: descriptor.digest, mediaType: manifest.mediaType, size: descriptor.size}
    if (manifest.kind === 'image') {
      const config = parseImageConfig(await this.client.blob(name, manifest.config.digest))
      const totalSize = manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0)
      return {...base, totalSize, created: config.created}
    }

    if (depth > 1) return {...base, totalSize: 0}
    const children = manifest.manifests.filter((child) => !isAttestation(child))
    const blobs = new Map<string, number>()
    const platforms = await Promise.all(
      children.map(async (child) => {
        const {manifest: childManifest} = await this.client.manifest(name, child.digest)
        if (childManifest.kind === 'image') {
          for (const blob of [childManifest.config, ...childManifest.layers]) blobs.set(blob.digest, blob.size)
        }

        const summary = await this.computeSummary(name, child, childManifest, depth + 1)
        return {platform: formatPlatform(child.platform), digest: child.digest, size: summary.totalSize, created: summary.created}
      }),
    )
    const totalSize = [...blobs.values()].reduce((sum, size) => sum + size, 0)
    return {...base, totalSize, created: newest(platforms.map((p) => p.created)), platforms}
  }

  /**
   * The selected tags of one repository, sorted. `created` order reads every image (one manifest and
   * one config per distinct digest); `name` order needs only the tag list.
   */
  async listTags(name: string, selection: TagSelection & {sort: TagSort; missingIsEmpty?: boolean}): Promise<RepositoryEntry> {
    const selected = selectTags(await this.client.tags(name, {missingIsEmpty: selection.missingIsEmpty}), selection)
    if (selection.sort === 'name') return {name, tags: selected.sort(compareNames).map((tag) => ({tag}))}
    const entries = await Promise.all(
      selected.map(async (tag): Promise<TagEntry> => {
        const summary = await this.summarize(name, tag)
        return {tag, digest: summary.digest, mediaType: summary.mediaType, created: summary.created}
      }),
    )
    return {name, tags: entries.sort(compareByCreated)}
  }

  /** Every repository (or those matching `select`) with its tags. */
  async listImages(options: TagSelection & {select?: string; sort: TagSort; includeEmpty?: boolean}): Promise<RepositoryEntry[]> {
    const matches = options.select ? fnmatcher(options.select) : undefined
    const names = (await this.client.repositories()).filter((name) => !matches || matches(name))
    const repositories = await Promise.all(names.map((name) => this.listTags(name, {allTags: options.allTags, sort: options.sort, missingIsEmpty: true})))
    return repositories.filter((repository) => options.includeEmpty || repository.tags.length > 0)
  }

  /**
   * Every tag of a repository resolved to its digest and media type (HEAD requests), in tag-name order.
   * A repository the registry does not know is a NotFoundError (exit 7) unless `missingIsEmpty`.
   */
  async resolveAll(name: string, options: {missingIsEmpty?: boolean} = {missingIsEmpty: true}): Promise<Array<{tag: string; digest: string; mediaType: string}>> {
    const tags = (await this.client.tags(name, {missingIsEmpty: options.missingIsEmpty})).sort(compareNames)
    return Promise.all(
      tags.map(async (tag) => {
        const {digest, mediaType} = await this.client.resolve(name, tag)
        return {tag, digest, mediaType}
      }),
    )
  }
}
