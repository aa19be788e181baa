/**
 * A persistent, content-addressed cache of manifests and image configs. Content fetched by digest
 * never changes, so a second listing by date, a plan or an inspect pays only for tag lists and HEADs.
 * Only content whose digest was verified is stored, under that digest; every read hashes the entry
 * again, and an entry that does not match (a torn write, a bit flip) is a miss and is removed. Tags
 * are never cached: what a tag points at is always asked of the registry.
 *
 * Layout: DIR/sha256/<2 hex>/<hex>, each file the media type, a newline, then the content. Writes go
 * to a temporary file renamed into place, so concurrent processes never see half an entry. The total
 * size is bounded: when a process adds entries, it estimates the cache's size from four folders of the
 * 256 (digests spread evenly over them), and only when that says the bound is passed (or the cache is
 * small enough to count exactly) does it measure every entry and remove the least recently used ones
 * (by modification time, refreshed on reads at most daily) down to 80 %. Measuring every entry costs
 * ~37 µs each: 4 s for 100,000, which every run that stored anything used to pay.
 */
import {existsSync} from 'node:fs'
import {mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {digestWithAlgorithmOf} from './manifests.js'

export const DEFAULT_CACHE_MAX_BYTES = 256 * 1024 * 1024
/** Larger content (layers) is never cached: the cache is for manifests and configs. */
export const CACHE_MAX_ENTRY_BYTES = 4 * 1024 * 1024
const DIGEST = /^(sha256|sha384|sha512):([a-f0-9]{64,128})$/
const DAY_MS = 86_400_000
/** Below this many entries (estimated), measuring every one is cheap (~40 ms) and exact. */
const MEASURE_ALL_BELOW = 1024
/** Folders of the 256 measured for an estimate: ~1.5 % of the entries, ~55 ms on 100,000. */
const SAMPLED_FOLDERS = 4

/**
 * $XDG_CACHE_HOME/registryctl, else ~/.cache/registryctl (the XDG default). None for an account whose
 * home does not exist (system users' /nonexistent, as a timer's job may run): making the cache would
 * create that home, which root can do and must not.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  if (env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/')) return join(env.XDG_CACHE_HOME, 'registryctl')
  return existsSync(home) ? join(home, '.cache', 'registryctl') : undefined
}

export interface CacheEntry {
  mediaType: string
  data: Buffer
}

export interface ContentCacheStats {
  hits: number
  misses: number
  /** Entries found corrupt (and removed). */
  corrupt: number
  stored: number
  evicted: number
}

export class ContentCache {
  readonly stats: ContentCacheStats = {hits: 0, misses: 0, corrupt: 0, stored: 0, evicted: 0}
  private pruning?: Promise<void>
  private readonly madeDirs = new Set<string>()
  /** Digests this process found in or wrote to the cache: stored once, however many tags share them. */
  private readonly present = new Set<string>()

  constructor(
    readonly dir: string,
    readonly maxBytes = DEFAULT_CACHE_MAX_BYTES,
    /** Picks the folders an estimate measures (tests give a seeded one). */
    private readonly random: () => number = Math.random,
  ) {}

  private path(digest: string): string | undefined {
    const match = DIGEST.exec(digest)
    if (!match) return undefined
    return join(this.dir, match[1]!, match[2]!.slice(0, 2), match[2]!)
  }

  /** The content stored under `digest`, verified; undefined when absent, unreadable or corrupt. */
  async get(digest: string): Promise<CacheEntry | undefined> {
    const path = this.path(digest)
    if (!path) return undefined
    let file: Buffer
    try {
      file = await readFile(path)
    } catch {
      this.stats.misses++
      return undefined
    }

    const newline = file.indexOf(10)
    const data = newline < 0 ? undefined : file.subarray(newline + 1)
    if (!data || digestWithAlgorithmOf(data, digest) !== digest) {
      this.stats.corrupt++
      this.stats.misses++
      await unlink(path).catch(() => {})
      return undefined
    }

    this.stats.hits++
    this.present.add(digest)
    void this.touch(path)
    return {mediaType: file.subarray(0, newline).toString('utf8'), data}
  }

  /**
   * Store content the caller fetched under `digest`. It is hashed here again: content that does not
   * match its digest is never stored. Failures to write (read-only home, full disk) are ignored: the
   * cache is an optimisation, never a reason to fail.
   */
  async put(digest: string, mediaType: string, data: Buffer): Promise<void> {
    const path = this.path(digest)
    if (!path || this.present.has(digest) || data.length > CACHE_MAX_ENTRY_BYTES || mediaType.includes('\n')) return
    this.present.add(digest)
    // Already there from an earlier run: a stat is cheaper than writing it again (reads verify it).
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return
    if (digestWithAlgorithmOf(data, digest) !== digest) {
      this.present.delete(digest)
      return
    }

    try {
      const folder = path.slice(0, path.lastIndexOf('/'))
      if (!this.madeDirs.has(folder)) {
        await mkdir(folder, {recursive: true})
        this.madeDirs.add(folder)
      }

      const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
      await writeFile(temporary, Buffer.concat([Buffer.from(`${mediaType}\n`), data]))
      await rename(temporary, path)
      this.stats.stored++
    } catch {
      return
    }

    this.pruning ??= this.pruneIfOver()
  }

  /** Wait for a pending size check (tests; a CLI process need not wait). */
  async settled(): Promise<void> {
    await this.pruning
  }

  /** Reads refresh the entry's time at most once a day: eviction is least recently used. */
  private async touch(path: string): Promise<void> {
    try {
      const {mtimeMs} = await stat(path)
      const now = Date.now()
      if (now - mtimeMs > DAY_MS) await utimes(path, now / 1000, now / 1000)
    } catch {
      // Recency is a hint for eviction: an entry that cannot be touched is still served.
    }
  }

  /** Measure and evict only when an estimate says the bound is passed (or cannot tell). */
  private async pruneIfOver(): Promise<void> {
    const estimate = await this.estimateBytes()
    if (estimate !== undefined && estimate <= this.maxBytes) return
    await this.prune()
  }

  /**
   * The cache's size (its sha256 entries) extrapolated from SAMPLED_FOLDERS of its 256 folders, chosen
   * at random (a few folders, so that one holding a large config does not decide alone); undefined when
   * the cache is small (then counting every entry is cheap and exact) or unreadable.
   */
  async estimateBytes(random: () => number = this.random): Promise<number | undefined> {
    try {
      const folders = await readdir(join(this.dir, 'sha256'))
      if (folders.length === 0) return 0
      // From a random folder, it and the next ones (digests spread evenly: neighbours are as good a sample).
      const first = Math.min(folders.length - 1, Math.floor(random() * folders.length))
      const sampled = Array.from(
        {length: Math.min(SAMPLED_FOLDERS, folders.length)},
        (_, k) => folders[(first + k) % folders.length]!,
      )
      let entries = 0
      let bytes = 0
      for (const name of sampled) {
        const folder = join(this.dir, 'sha256', name)
        for (const entry of await readdir(folder)) {
          if (entry.endsWith('.tmp')) continue
          entries++
          bytes += (await stat(join(folder, entry)).catch(() => undefined))?.size ?? 0
        }
      }

      const scale = folders.length / sampled.length
      return entries * scale < MEASURE_ALL_BELOW ? undefined : bytes * scale
    } catch {
      return undefined
    }
  }

  /** Measure the cache; above its bound, remove the oldest entries down to 80 % of it. */
  async prune(): Promise<void> {
    const entries: Array<{path: string; size: number; mtimeMs: number}> = []
    try {
      for (const algorithm of await readdir(this.dir)) {
        for (const prefix of await readdir(join(this.dir, algorithm)).catch(() => [])) {
          const folder = join(this.dir, algorithm, prefix)
          for (const name of await readdir(folder).catch(() => [])) {
            const path = join(folder, name)
            const info = await stat(path).catch(() => undefined)
            if (info?.isFile()) entries.push({path, size: info.size, mtimeMs: info.mtimeMs})
          }
        }
      }
    } catch {
      return
    }

    let total = entries.reduce((sum, entry) => sum + entry.size, 0)
    if (total <= this.maxBytes) return
    entries.sort((a, b) => a.mtimeMs - b.mtimeMs)
    for (const entry of entries) {
      if (total <= this.maxBytes * 0.8) break
      await unlink(entry.path).catch(() => {})
      total -= entry.size
      this.stats.evicted++
    }
  }
}
