/**
 * Writes distribution's filesystem storage layout directly (docker/registry/v2/…), the fastest way
 * to build large fixtures: a push of 20,000 tags through the API takes minutes, this takes seconds.
 * The registry must not cache what is written behind its back: the sandbox config sets no cache.
 */
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {BuiltImage} from './images.js'

export function storeRoot(rootDirectory: string): string {
  return join(rootDirectory, 'docker', 'registry', 'v2')
}

function hexOf(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1)
}

async function writeLink(path: string, digest: string): Promise<void> {
  await mkdir(path, {recursive: true})
  await writeFile(join(path, 'link'), digest)
}

export class StoreWriter {
  private readonly writtenBlobs = new Set<string>()
  private readonly root: string

  constructor(rootDirectory: string) {
    this.root = storeRoot(rootDirectory)
  }

  async blob(digest: string, data: Buffer): Promise<void> {
    if (this.writtenBlobs.has(digest)) return
    this.writtenBlobs.add(digest)
    const hex = hexOf(digest)
    const folder = join(this.root, 'blobs', 'sha256', hex.slice(0, 2), hex)
    await mkdir(folder, {recursive: true})
    await writeFile(join(folder, 'data'), data)
  }

  /** Store an image (and an index's children) in a repository without tagging it. */
  async manifest(name: string, image: BuiltImage): Promise<void> {
    const repository = join(this.root, 'repositories', name)
    for (const child of image.children) await this.manifest(name, child)
    for (const [digest, data] of image.blobs) {
      await this.blob(digest, data)
      await writeLink(join(repository, '_layers', 'sha256', hexOf(digest)), digest)
    }

    await this.blob(image.digest, image.manifest)
    await writeLink(join(repository, '_manifests', 'revisions', 'sha256', hexOf(image.digest)), image.digest)
  }

  async tag(name: string, tag: string, digest: string): Promise<void> {
    const folder = join(this.root, 'repositories', name, '_manifests', 'tags', tag)
    await writeLink(join(folder, 'current'), digest)
    await writeLink(join(folder, 'index', 'sha256', hexOf(digest)), digest)
  }

  async image(name: string, tags: string[], image: BuiltImage): Promise<void> {
    await this.manifest(name, image)
    for (const tag of tags) await this.tag(name, tag, image.digest)
  }
}
