/**
 * The StorageReader a registry config (or a filesystem path) names. The Swift and S3 readers are
 * loaded only when asked for: a filesystem analysis does not pay for their modules.
 */
import type {TransportOptions} from '../registry/transport.js'
import type {StoreConfig} from './config.js'
import {FilesystemReader} from './filesystem.js'
import type {StorageReader} from './storage.js'

export interface OpenStoreOptions extends TransportOptions {
  /** Requests in flight at once against an object store. */
  concurrency?: number
  env?: NodeJS.ProcessEnv
}

export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<StorageReader> {
  switch (config.driver) {
    case 'filesystem': {
      return new FilesystemReader(config.root)
    }

    case 'swift': {
      const {SwiftReader} = await import('./swift.js')
      return new SwiftReader(config.swift, options)
    }

    case 's3': {
      const {S3Reader} = await import('./s3.js')
      return new S3Reader(config.s3, options)
    }
  }
}
