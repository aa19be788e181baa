/**
 * What `registry garbage-collect --dry-run` would do, computed from distribution's filesystem store
 * read-only (safe while the registry runs), with and without --delete-untagged, plus what the
 * collector does not tell: bytes reclaimable, per repository, stale uploads, and the tagged indexes
 * that --delete-untagged would break.
 *
 * It follows distribution 2.8's collector (registry/storage/garbagecollect.go):
 *  - repositories are the folders that hold `_manifests`, walked below `repositories/`, not descending
 *    into `_`-prefixed folders;
 *  - the manifests of a repository are its `_manifests/revisions/…/link` files whose blob exists;
 *  - mark: every manifest and what it references, one level (an image: config and layers; an index:
 *    its child manifests' digests). With --delete-untagged only manifests that some tag's
 *    `current/link` points at are marked; the others are "eligible for deletion";
 *  - sweep: every blob under `blobs/` that was not marked.
 * The walk streams folders and keeps only digests in memory, so 100,000 blobs fit in a few tens of MB.
 */
import {type Dirent, readdir as readdirCallback, readFile as readFileCallback, stat as statCallback, type Stats} from 'node:fs'
import {join} from 'node:path'

import pLimit from 'p-limit'

import {UsageError} from '../errors.js'

export interface GcModeResult {
  /** Distinct digests marked (the collector's "N blobs marked"). */
  blobsMarked: number
  blobsEligible: number
  manifestsEligible: number
  bytesReclaimable: number
  eligibleBlobs: string[]
  eligibleManifests: Array<{repository: string; digest: string}>
  /** Why the real collector would stop with an error in this mode (then it deletes nothing). */
  abort?: string
}

export interface StaleUpload {
  repository: string
  uuid: string
  startedAt?: string
  ageMs: number
}

export interface RepositoryReport {
  name: string
  tags: number
  manifests: number
  untaggedManifests: string[]
  /** Bytes of eligible blobs this repository links (_layers and its manifests); shared blobs count in each. */
  reclaimable: {default: number; deleteUntagged: number}
  uploads: number
}

export interface BrokenIndex {
  repository: string
  digest: string
  tags: string[]
  /** Child manifests --delete-untagged would delete (untagged in the repository). */
  children: string[]
}

export interface StoreReport {
  root: string
  repositories: RepositoryReport[]
  emptyRepositories: string[]
  blobs: {count: number; bytes: number}
  default: GcModeResult
  deleteUntagged: GcModeResult
  brokenIndexes: BrokenIndex[]
  staleUploads: StaleUpload[]
  /** Eligible bytes no repository links any more (manifests whose revision link was deleted). */
  unattributedBytes: {default: number; deleteUntagged: number}
}

export interface AnalyzeOptions {
  /** Upload folders older than this are reported (ms). */
  uploadsOlderThanMs?: number
  now?: Date
  onProgress?: (progress: {phase: 'repositories' | 'blobs'; done: number}) => void
}

interface Repository {
  name: string
  path: string
  hasTagsFolder: boolean
  /** tag → digest of current/link */
  tags: Map<string, string>
  revisions: string[]
  layers: string[]
  uploads: Array<{uuid: string; startedAt?: string; mtimeMs: number}>
}

const LIMIT = pLimit(32)

function digestFromHexPath(algorithm: string, hex: string): string {
  return `${algorithm}:${hex}`
}

async function entries(path: string): Promise<Array<{name: string; isDirectory: boolean}>> {
  try {
    const listed = await new Promise<Dirent[]>((resolve, reject) => {
      readdirCallback(path, {withFileTypes: true}, (error, found) => (error ? reject(error) : resolve(found)))
    })
    const found = listed.map((entry) => ({name: entry.name, isDirectory: entry.isDirectory()}))
    return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return []
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, {cause: error})
  }
}

// The callback forms: fs/promises' FileHandle machinery cost more CPU than the reads themselves
// on a walk of 100,000 small files (measured: about a third of the walk).
const readText = (path: string) =>
  new Promise<string>((resolve, reject) => {
    readFileCallback(path, 'utf8', (error, text) => (error ? reject(error) : resolve(text)))
  })
const stat = (path: string) =>
  new Promise<Stats>((resolve, reject) => {
    statCallback(path, (error, stats) => (error ? reject(error) : resolve(stats)))
  })

async function readLink(path: string): Promise<string | undefined> {
  try {
    return (await readText(path)).trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`, {cause: error})
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

export class StoreReader {
  readonly v2: string

  constructor(readonly root: string) {
    this.v2 = join(root, 'docker', 'registry', 'v2')
  }

  blobPath(digest: string): string {
    const [algorithm, hex] = digest.split(':') as [string, string]
    return join(this.v2, 'blobs', algorithm, hex.slice(0, 2), hex, 'data')
  }

  async check(): Promise<void> {
    let info
    try {
      info = await stat(this.root)
    } catch (error) {
      throw new UsageError(`cannot read storage folder ${this.root}: ${(error as Error).message}`, {cause: error})
    }

    if (!info.isDirectory()) throw new UsageError(`${this.root} is not a folder`)
    await entries(this.root) // throws a clear line when unreadable
    if (!(await exists(join(this.v2, 'blobs'))) && !(await exists(join(this.v2, 'repositories')))) {
      throw new UsageError(`${this.root} is not a distribution store (no docker/registry/v2/blobs or repositories inside); give the rootdirectory of the filesystem driver`)
    }
  }

  /** Repository folders: those holding `_manifests`, as the collector and the catalog see them. */
  async *repositories(folder = join(this.v2, 'repositories'), prefix = ''): AsyncGenerator<string> {
    const children = await entries(folder)
    if (children.some((child) => child.name === '_manifests' && child.isDirectory)) yield prefix
    for (const child of children) {
      if (!child.isDirectory || child.name.startsWith('_')) continue
      yield* this.repositories(join(folder, child.name), prefix ? `${prefix}/${child.name}` : child.name)
    }
  }

  /** `<algorithm>/<hex>/link` files below a folder, as digests read from the links. */
  private async linkedDigests(folder: string): Promise<string[]> {
    const found: string[] = []
    for (const algorithm of await entries(folder)) {
      if (!algorithm.isDirectory) continue
      const hexes = await entries(join(folder, algorithm.name))
      const links = await Promise.all(hexes.filter((hex) => hex.isDirectory).map((hex) => LIMIT(() => readLink(join(folder, algorithm.name, hex.name, 'link')))))
      for (const link of links) if (link) found.push(link)
    }

    return found
  }

  async repository(name: string): Promise<Repository> {
    const path = join(this.v2, 'repositories', name)
    const manifests = join(path, '_manifests')
    // A revision counts only while its blob exists (linkedBlobStore.Enumerate stats it).
    const linked = await this.linkedDigests(join(manifests, 'revisions'))
    const present = await Promise.all(linked.map((digest) => LIMIT(() => exists(this.blobPath(digest)))))
    const revisions = linked.filter((_, i) => present[i])
    const tagsFolder = join(manifests, 'tags')
    const hasTagsFolder = await exists(tagsFolder)
    const tags = new Map<string, string>()
    const tagNames = (await entries(tagsFolder)).filter((entry) => entry.isDirectory).map((entry) => entry.name)
    const currents = await Promise.all(tagNames.map((tag) => LIMIT(() => readLink(join(tagsFolder, tag, 'current', 'link')))))
    for (const [i, tag] of tagNames.entries()) if (currents[i]) tags.set(tag, currents[i]!)
    const layers = (await entries(join(path, '_layers', 'sha256'))).filter((entry) => entry.isDirectory).map((entry) => digestFromHexPath('sha256', entry.name))
    const uploads = await Promise.all(
      (await entries(join(path, '_uploads')))
        .filter((entry) => entry.isDirectory)
        .map(async (entry) => {
          const folder = join(path, '_uploads', entry.name)
          const startedAt = await readLink(join(folder, 'startedat'))
          return {uuid: entry.name, startedAt, mtimeMs: (await stat(folder)).mtimeMs}
        }),
    )
    return {name, path, hasTagsFolder, tags, revisions, layers, uploads}
  }

  /** What a manifest references, as the collector's manifest.References(): one level. */
  async references(digest: string): Promise<{references: string[]; isIndex: boolean}> {
    let json: {manifests?: Array<{digest?: string}>; config?: {digest?: string}; layers?: Array<{digest?: string}>; fsLayers?: Array<{blobSum?: string}>}
    try {
      json = JSON.parse(await readText(this.blobPath(digest))) as typeof json
    } catch (error) {
      throw new UsageError(`cannot read manifest ${digest} in the store: ${(error as Error).message}`, {cause: error})
    }

    if (Array.isArray(json.manifests)) return {references: json.manifests.map((entry) => entry.digest).filter((d): d is string => Boolean(d)), isIndex: true}
    if (Array.isArray(json.fsLayers)) return {references: json.fsLayers.map((layer) => layer.blobSum).filter((d): d is string => Boolean(d)), isIndex: false}
    const references = [json.config?.digest, ...(json.layers ?? []).map((layer) => layer.digest)].filter((d): d is string => Boolean(d))
    return {references, isIndex: false}
  }

  /** Every blob under blobs/, with its size. */
  async *blobs(): AsyncGenerator<{digest: string; size: number}> {
    const root = join(this.v2, 'blobs')
    for (const algorithm of await entries(root)) {
      if (!algorithm.isDirectory) continue
      for (const prefix of await entries(join(root, algorithm.name))) {
        if (!prefix.isDirectory) continue
        const folder = join(root, algorithm.name, prefix.name)
        const hexes = (await entries(folder)).filter((entry) => entry.isDirectory)
        const sizes = await Promise.all(
          hexes.map((hex) =>
            LIMIT(async () => {
              try {
                return (await stat(join(folder, hex.name, 'data'))).size
              } catch {
                return undefined
              }
            }),
          ),
        )
        for (const [i, hex] of hexes.entries()) {
          if (sizes[i] !== undefined) yield {digest: digestFromHexPath(algorithm.name, hex.name), size: sizes[i]!}
        }
      }
    }
  }
}

export async function analyzeStore(root: string, options: AnalyzeOptions = {}): Promise<StoreReport> {
  const reader = new StoreReader(root)
  await reader.check()
  const now = (options.now ?? new Date()).getTime()
  const markDefault = new Set<string>()
  const markUntagged = new Set<string>()
  const eligibleManifests: GcModeResult['eligibleManifests'] = []
  const references = new Map<string, {references: string[]; isIndex: boolean}>()
  const repositories: Repository[] = []
  const brokenIndexes: BrokenIndex[] = []
  let untaggedAbort: string | undefined

  // Repositories are read ahead, several at a time with their manifests' references, and marked in
  // order: the walk waits on the disk, and one read at a time left it idle most of the time.
  const names: string[] = []
  for await (const name of reader.repositories()) names.push(name)
  const referencesRead = new Map<string, Promise<{references: string[]; isIndex: boolean}>>()
  // A manifest shared by repositories is read once; its pending read is dropped once it is known.
  const referencesOf = async (digest: string) => {
    if (references.has(digest)) return
    let pending = referencesRead.get(digest)
    if (!pending) {
      pending = LIMIT(() => reader.references(digest))
      referencesRead.set(digest, pending)
    }

    const found = await pending
    references.set(digest, found)
    referencesRead.delete(digest)
  }

  const readAhead = pLimit(8)
  const loading = names.map((name) =>
    readAhead(async () => {
      const repository = await reader.repository(name)
      await Promise.all(repository.revisions.map((digest) => referencesOf(digest)))
      return repository
    }),
  )
  // Awaited in order below; a failure further on must not go unhandled meanwhile.
  for (const pending of loading) pending.catch(() => undefined)

  for (const pending of loading) {
    const repository = await pending
    const {name} = repository
    repositories.push(repository)
    options.onProgress?.({phase: 'repositories', done: repositories.length})
    const tagged = new Set(repository.tags.values())
    if (!repository.hasTagsFolder && repository.revisions.length > 0) {
      // tags.Lookup lists a missing folder as "unknown repository": the collector stops there.
      untaggedAbort ??= `repository ${name} has manifests but no tags folder: garbage-collect --delete-untagged fails with "failed to retrieve tags unknown repository name=${name}" and deletes nothing`
    }

    for (const digest of repository.revisions) {
      const refs = references.get(digest)!

      markDefault.add(digest)
      for (const reference of refs.references) markDefault.add(reference)
      if (tagged.has(digest)) {
        markUntagged.add(digest)
        for (const reference of refs.references) markUntagged.add(reference)
      } else {
        eligibleManifests.push({repository: name, digest})
      }
    }

    // Tagged indexes whose children are untagged here: --delete-untagged deletes the children.
    const revisions = new Set(repository.revisions)
    for (const digest of tagged) {
      const refs = references.get(digest)
      if (!refs?.isIndex) continue
      const children = refs.references.filter((child) => revisions.has(child) && !tagged.has(child))
      if (children.length > 0) {
        const tags = [...repository.tags].filter(([, d]) => d === digest).map(([tag]) => tag).sort()
        brokenIndexes.push({repository: name, digest, tags, children})
      }
    }
  }

  const eligibleDefault: string[] = []
  const eligibleUntagged: string[] = []
  const sizes = new Map<string, number>()
  let blobCount = 0
  let blobBytes = 0
  for await (const blob of reader.blobs()) {
    blobCount++
    blobBytes += blob.size
    if (blobCount % 5000 === 0) options.onProgress?.({phase: 'blobs', done: blobCount})
    const inDefault = markDefault.has(blob.digest)
    const inUntagged = markUntagged.has(blob.digest)
    if (!inDefault) eligibleDefault.push(blob.digest)
    if (!inUntagged) eligibleUntagged.push(blob.digest)
    if (!inDefault || !inUntagged) sizes.set(blob.digest, blob.size)
  }

  const bytesOf = (digests: Iterable<string>) => {
    let total = 0
    for (const digest of digests) total += sizes.get(digest) ?? 0
    return total
  }

  const eligibleDefaultSet = new Set(eligibleDefault)
  const eligibleUntaggedSet = new Set(eligibleUntagged)
  const attributed = {default: new Set<string>(), deleteUntagged: new Set<string>()}
  const uploadsOlderThan = options.uploadsOlderThanMs ?? 86_400_000
  const staleUploads: StaleUpload[] = []
  const reports: RepositoryReport[] = repositories.map((repository) => {
    const tagged = new Set(repository.tags.values())
    const linked = [...repository.layers, ...repository.revisions]
    const inDefault = linked.filter((digest) => eligibleDefaultSet.has(digest))
    const inUntagged = linked.filter((digest) => eligibleUntaggedSet.has(digest))
    for (const digest of inDefault) attributed.default.add(digest)
    for (const digest of inUntagged) attributed.deleteUntagged.add(digest)
    for (const upload of repository.uploads) {
      const started = upload.startedAt ? Date.parse(upload.startedAt) : Number.NaN
      const ageMs = now - (Number.isNaN(started) ? upload.mtimeMs : started)
      if (ageMs > uploadsOlderThan) staleUploads.push({repository: repository.name, uuid: upload.uuid, startedAt: upload.startedAt, ageMs})
    }

    return {
      name: repository.name,
      tags: repository.tags.size,
      manifests: repository.revisions.length,
      untaggedManifests: repository.revisions.filter((digest) => !tagged.has(digest)),
      reclaimable: {default: bytesOf(new Set(inDefault)), deleteUntagged: bytesOf(new Set(inUntagged))},
      uploads: repository.uploads.length,
    }
  })

  const mode = (marked: Set<string>, eligible: string[], manifests: GcModeResult['eligibleManifests'], abort?: string): GcModeResult => ({
    blobsMarked: marked.size,
    blobsEligible: eligible.length,
    manifestsEligible: manifests.length,
    bytesReclaimable: bytesOf(eligible),
    eligibleBlobs: eligible,
    eligibleManifests: manifests,
    ...(abort ? {abort} : {}),
  })

  return {
    root,
    repositories: reports,
    emptyRepositories: reports.filter((repository) => repository.tags === 0).map((repository) => repository.name),
    blobs: {count: blobCount, bytes: blobBytes},
    default: mode(markDefault, eligibleDefault, []),
    deleteUntagged: mode(markUntagged, eligibleUntagged, eligibleManifests, untaggedAbort),
    brokenIndexes,
    staleUploads,
    unattributedBytes: {
      default: bytesOf(eligibleDefault.filter((digest) => !attributed.default.has(digest))),
      deleteUntagged: bytesOf(eligibleUntagged.filter((digest) => !attributed.deleteUntagged.has(digest))),
    },
  }
}
