/**
 * Removing one tag while its siblings keep the image. Distribution 2.x cannot delete a tag, only a
 * digest (which takes every tag with it). So: first try OCI 1.1's DELETE by tag and trust only a
 * 202; otherwise move the tag onto a tiny placeholder image whose config is unique (the tag's name
 * and a timestamp), then delete the placeholder's digest, which only that tag points at.
 */
import {randomUUID} from 'node:crypto'

import type {RegistryClient} from '../registry/client.js'
import {ProtocolError} from '../errors.js'
import {MediaType, sha256Digest} from '../registry/manifests.js'

export type UntagMethod = 'tag-delete' | 'placeholder'

/** A config and manifest no other image can share; OCI for OCI originals, Docker schema2 otherwise. */
export function buildPlaceholder(
  tag: string,
  originalMediaType: string | undefined,
  now = new Date(),
): {config: Buffer; manifest: Buffer; mediaType: string} {
  const oci = originalMediaType === MediaType.OCI_MANIFEST || originalMediaType === MediaType.OCI_INDEX
  const config = Buffer.from(
    JSON.stringify({
      created: now.toISOString(),
      architecture: 'amd64',
      os: 'linux',
      config: {
        Labels: {
          'org.registryctl.placeholder': 'true',
          'org.registryctl.tag': tag,
          'org.registryctl.nonce': randomUUID(),
        },
      },
      rootfs: {type: 'layers', diff_ids: []},
    }),
  )
  const mediaType = oci ? MediaType.OCI_MANIFEST : MediaType.DOCKER_MANIFEST
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: {
        mediaType: oci ? MediaType.OCI_CONFIG : MediaType.DOCKER_CONFIG,
        digest: sha256Digest(config),
        size: config.length,
      },
      layers: [],
    }),
  )
  return {config, manifest, mediaType}
}

/**
 * Remove `tag` (currently on `digest`) and leave `digest` in place. Verifies the outcome: the tag
 * is gone and the image still resolves by digest.
 */
export async function untag(
  client: RegistryClient,
  name: string,
  tag: string,
  digest: string,
  originalMediaType?: string,
): Promise<UntagMethod> {
  let method: UntagMethod = 'tag-delete'
  let tagDeleted = false
  try {
    const result = await client.deleteManifest(name, tag)
    tagDeleted = !result.gone
  } catch {
    // distribution 2.x: 400 DIGEST_INVALID (or 405/404 elsewhere): no tag deletion here.
  }

  if (!tagDeleted) {
    method = 'placeholder'
    const placeholder = buildPlaceholder(tag, originalMediaType)
    await client.pushBlob(name, placeholder.config)
    const placeholderDigest = await client.pushManifest(name, tag, placeholder.manifest, placeholder.mediaType)
    const now = await client.exists(name, tag)
    if (now !== placeholderDigest)
      throw new ProtocolError(
        `tag ${tag} points at ${now ?? 'nothing'} after moving it onto the placeholder ${placeholderDigest}`,
      )
    await client.deleteManifest(name, placeholderDigest)
  }

  if ((await client.exists(name, tag)) !== undefined)
    throw new ProtocolError(`tag ${tag} still resolves after removing it (${method})`)
  if ((await client.exists(name, digest)) !== digest) {
    throw new ProtocolError(
      `image ${digest} no longer resolves after removing tag ${tag} (${method}): the registry deleted the image, not just the tag`,
    )
  }

  return method
}
