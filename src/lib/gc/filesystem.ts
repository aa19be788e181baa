/**
 * The filesystem driver's store (rootdirectory) as a StorageReader. Folders are listed with readdir;
 * a recursive listing walks them depth first and, when sizes are asked for, stats each file. An empty
 * folder is listed as a key ending in '/' (object stores have no folders; the filesystem keeps
 * e.g. an emptied `_manifests/tags/`, which the collector sees).
 */
import {type Dirent, readdir as readdirCallback, readFile as readFileCallback, stat as statCallback, type Stats} from 'node:fs'
import {join} from 'node:path'

import {UsageError} from '../errors.js'
import type {ListOptions, ListPage, StorageReader, StoreObject} from './storage.js'

const PAGE = 1000

// The callback forms: fs/promises' FileHandle machinery cost more CPU than the reads themselves on a
// walk of 100,000 small files.
const readdir = (path: string) =>
  new Promise<Dirent[]>((resolve, reject) => {
    readdirCallback(path, {withFileTypes: true}, (error, found) => (error ? reject(error) : resolve(found)))
  })
const readFile = (path: string) =>
  new Promise<Buffer>((resolve, reject) => {
    readFileCallback(path, (error, data) => (error ? reject(error) : resolve(data)))
  })
const stat = (path: string) =>
  new Promise<Stats>((resolve, reject) => {
    statCallback(path, (error, stats) => (error ? reject(error) : resolve(stats)))
  })

const missing = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '')

export class FilesystemReader implements StorageReader {
  readonly driver = 'filesystem' as const
  readonly concurrency = 32

  constructor(readonly location: string) {}

  private path(key: string): string {
    return join(this.location, key)
  }

  private async entries(key: string): Promise<Dirent[]> {
    try {
      const found = await readdir(this.path(key))
      return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    } catch (error) {
      if (missing(error)) return []
      throw new UsageError(`cannot read ${this.path(key)}: ${(error as Error).message}`, {cause: error})
    }
  }

  async check(): Promise<void> {
    let info
    try {
      info = await stat(this.location)
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

    // Depth first, in key order, a page at a time.
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
      return await readFile(this.path(key))
    } catch (error) {
      if (missing(error)) return undefined
      throw new UsageError(`cannot read ${this.path(key)}: ${(error as Error).message}`, {cause: error})
    }
  }

  async stat(key: string): Promise<{size: number; modified?: number} | undefined> {
    try {
      const info = await stat(this.path(key))
      return {size: info.size, modified: info.mtimeMs}
    } catch (error) {
      if (missing(error)) return undefined
      throw new UsageError(`cannot read ${this.path(key)}: ${(error as Error).message}`, {cause: error})
    }
  }
}
