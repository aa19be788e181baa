/**
 * The storage layer under the gc analysis: one small read-only interface, one reader per driver
 * (filesystem, Swift, S3). Keys are distribution's storage paths without the leading slash
 * (`docker/registry/v2/blobs/…`); each reader maps them to its own names (the filesystem's
 * rootdirectory, Swift's `files/` and prefix, S3's rootdirectory).
 */

export interface StoreObject {
  /** Key relative to the store root. A key ending in '/' is an empty folder (filesystem only). */
  key: string
  /** Bytes, when the listing tells them truthfully (Swift lists its large objects as 0: undefined). */
  size?: number
  /** Last modification, ms since the epoch, when the listing tells it. */
  modified?: number
}

export interface ListPage {
  objects: StoreObject[]
  /** With a delimiter: the next level's "folders", as keys ending in '/'. */
  prefixes: string[]
}

export interface ListOptions {
  /** List one level only: objects directly under the prefix and its sub-prefixes. */
  delimiter?: boolean
  /** The caller wants sizes (a hint for readers that pay for them: the filesystem stats each file). */
  sizes?: boolean
}

export interface StorageReader {
  readonly driver: 'filesystem' | 's3' | 'swift'
  /** Where the store is, for the report (never a credential). */
  readonly location: string
  /**
   * Whether a flat listing tells every object's size at no extra cost (object stores: the analysis
   * lists each blob shard flat). The filesystem does not: the analysis lists the shard's folders and
   * stats each blob's data file.
   */
  readonly listsSizes: boolean
  /** Requests worth running at once against this store. */
  readonly concurrency: number
  /**
   * Objects whose key starts with `prefix` ('' or ending in '/'), page by page: in key order on object
   * stores, folder by folder (a folder's files, then its sub-folders) on the filesystem.
   */
  list(prefix: string, options?: ListOptions): AsyncIterable<ListPage>
  /** A small object's content; undefined when it does not exist. */
  read(key: string): Promise<Buffer | undefined>
  /** An object's real size (and age when known); undefined when it does not exist. */
  stat(key: string): Promise<{size: number; modified?: number} | undefined>
  /** Checks the store answers (credentials, container/bucket, folder) with one clear error otherwise. */
  check(): Promise<void>
  close?(): Promise<void>
}

/** Requests a reader was asked for: list pages, reads, stats (the report's cost figures). */
export interface RequestCounts {
  list: number
  read: number
  stat: number
}
