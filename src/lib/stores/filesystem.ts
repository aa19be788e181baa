/**
 * The filesystem driver's store (rootdirectory) as a StorageReader. Folders are listed with readdir;
 * a recursive listing walks them depth first and, when sizes are asked for, stats each file. An empty
 * folder is listed as a key ending in '/' (object stores have no folders; the filesystem keeps
 * e.g. an emptied `_manifests/tags/`, which the collector sees).
 */
import {type Dirent, readdirSync, readFileSync, statSync} from 'node:fs'
import {UsageError} from '../errors.js'
import type {ListOptions, ListPage, StorageReader, StoreObject} from './storage.js'

const PAGE = 1000

// Synchronous calls, on purpose: the store's metadata is small and usually in the page cache, and a
// walk of 100,000 blobs is hundreds of thousands of tiny calls, where the thread pool's round trip and
// a promise per call cost several times the call itself (measured: the walk took as long as the Go
// collector's; synchronous, a fraction of it). The reader yields to the event loop between folders.
const readdir = (path: string) => readdirSync(path, {withFileTypes: true})
const readFile = (path: string) => readFileSync(path)
const stat = (path: string) => statSync(path)
const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve))

const missing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')

export class FilesystemReader implements StorageReader {
  readonly driver = 'filesystem' as const
  readonly concurrency = 1
  readonly listsSizes = false
  private calls = 0

  constructor(readonly location: string) {
    this.prefix = location.endsWith('/') ? location : `${location}/`
  }

  /** Keys are relative paths with '/' separators: concatenated, not path.join()ed (5 % of a 100,000-blob walk's CPU). */
  private readonly prefix: string

  private path(key: string): string {
    return key ? this.prefix + key : this.location
  }

  private async entries(key: string): Promise<Dirent[]> {
    try {
      if (++this.calls % 64 === 0) await yieldNow()
      const found = readdir(this.path(key))
      return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    } catch (error) {
      if (missing(error)) return []
      throw new UsageError(`cannot read ${this.path(key)}: ${(error as Error).message}`, {cause: error})
    }
  }

  async check(): Promise<void> {
    let info
    try {
      info = stat(this.location)
    } catch (error) {
      throw new UsageError(`cannot read storage folder ${this.location}: ${(error as Error).message}`, {cause: error})
    }

    if (!info.isDirectory()) throw new UsageError(`${this.location} is not a folder`)
    await this.entries('') // a clear line when unreadable
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListPage> {
    if (options.delimiter) {
      const objects: StoreObject[] = []
      const prefixes: string[] = []
      for (const entry of await this.entries(prefix)) {
        if (entry.isDirectory()) prefixes.push(`${prefix}${entry.name}/`)
        else objects.push(await this.object(`${prefix}${entry.name}`, options))
      }

      yield {objects, prefixes}
      return
    }

    // Depth first, folder by folder (a folder's files, then its sub-folders in name order), a page at a time.
    let page: StoreObject[] = []
    const stack: string[] = [prefix]
    while (stack.length > 0) {
      const folder = stack.pop()!
      const children = await this.entries(folder)
      if (children.length === 0 && folder !== prefix) page.push({key: folder})
      const folders: string[] = []
      for (const entry of children) {
        if (entry.isDirectory()) folders.push(`${folder}${entry.name}/`)
        else page.push(await this.object(`${folder}${entry.name}`, options))
      }

      for (let i = folders.length - 1; i >= 0; i--) stack.push(folders[i]!)
      if (page.length >= PAGE) {
        yield {objects: page, prefixes: []}
        page = []
      }
    }

    if (page.length > 0) yield {objects: page, prefixes: []}
  }

  private async object(key: string, options: ListOptions): Promise<StoreObject> {
    if (!options.sizes) return {key}
    const found = await this.stat(key)
    return {key, size: found?.size, modified: found?.modified}
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      if (++this.calls % 64 === 0) await yieldNow()
      return readFile(this.path(key))
    } catch (error) {
      if (missing(error)) return undefined
      throw new UsageError(`cannot read ${this.path(key)}: ${(error as Error).message}`, {cause: error})
    }
  }

  async stat(key: string): Promise<{size: number; modified?: number} | undefined> {
    try {
      if (++this.calls % 64 === 0) await yieldNow()
      const info = statSync(this.path(key), {throwIfNoEntry: false})
      if (!info) return undefined
      return {size: info.size, modified: info.mtimeMs}
    } catch (error) {
      if (missing(error)) return undefined
      throw new UsageError(`cannot read ${this.path(key)}: ${(error as Error).message}`, {cause: error})
    }
  }
}
