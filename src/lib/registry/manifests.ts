/**
 * Manifest media types, parsing and digests. registryctl accepts exactly the four modern types:
 * asking for fewer makes distribution rewrite or hide manifests (an index fetched by tag comes back
 * as its linux/amd64 child; an OCI manifest not accepted looks like a 404), which is how careless
 * clients resolve, and then delete, the wrong digest.
 */
import {createHash} from 'node:crypto'

import {CorruptAnswerError, ProtocolError} from '../errors.js'
import {printable} from '../text.js'

export const MediaType = {
  OCI_MANIFEST: 'application/vnd.oci.image.manifest.v1+json',
  OCI_INDEX: 'application/vnd.oci.image.index.v1+json',
  DOCKER_MANIFEST: 'application/vnd.docker.distribution.manifest.v2+json',
  DOCKER_MANIFEST_LIST: 'application/vnd.docker.distribution.manifest.list.v2+json',
  OCI_CONFIG: 'application/vnd.oci.image.config.v1+json',
  DOCKER_CONFIG: 'application/vnd.docker.container.image.v1+json',
  OCI_LAYER: 'application/vnd.oci.image.layer.v1.tar+gzip',
  DOCKER_LAYER: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const

export const MANIFEST_ACCEPT = [
  MediaType.OCI_MANIFEST,
  MediaType.OCI_INDEX,
  MediaType.DOCKER_MANIFEST,
  MediaType.DOCKER_MANIFEST_LIST,
].join(', ')

const INDEX_TYPES = new Set<string>([MediaType.OCI_INDEX, MediaType.DOCKER_MANIFEST_LIST])
const IMAGE_TYPES = new Set<string>([MediaType.OCI_MANIFEST, MediaType.DOCKER_MANIFEST])

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

export interface Platform {
  architecture: string
  os: string
  variant?: string
  'os.version'?: string
}

export interface PlatformDescriptor extends Descriptor {
  platform?: Platform
}

export interface ImageManifest {
  kind: 'image'
  mediaType: string
  config: Descriptor
  layers: Descriptor[]
}

export interface IndexManifest {
  kind: 'index'
  mediaType: string
  manifests: PlatformDescriptor[]
}

export type Manifest = ImageManifest | IndexManifest

export function isIndexType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType)
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

/** Digest of `data` with the algorithm of `like` (sha256 or sha512). */
export function digestWithAlgorithmOf(data: Buffer, like: string): string {
  const algorithm = like.split(':')[0] ?? 'sha256'
  if (algorithm !== 'sha256' && algorithm !== 'sha512' && algorithm !== 'sha384') {
    throw new ProtocolError(`unsupported digest algorithm "${algorithm}"`)
  }

  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`
}

export function verifyDigest(data: Buffer, expected: string, what: string): void {
  const actual = digestWithAlgorithmOf(data, expected)
  if (actual !== expected)
    throw new CorruptAnswerError(`digest mismatch for ${what}: expected ${expected}, content hashes to ${actual}`)
}

function descriptor(value: unknown, where: string): Descriptor {
  const candidate = value as Partial<Descriptor> | undefined
  if (!candidate || typeof candidate.digest !== 'string' || typeof candidate.size !== 'number') {
    throw new ProtocolError(`malformed manifest: ${where} is not a descriptor with digest and size`)
  }

  return candidate as Descriptor
}

/**
 * Parse a manifest body. The media type comes from the body, else the Content-Type, else the shape
 * (OCI manifests may omit mediaType).
 */
export function parseManifest(body: Buffer, contentType?: string): Manifest {
  let json: Record<string, unknown>
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>
  } catch (error) {
    throw new ProtocolError(`malformed manifest: not JSON (${(error as Error).message})`)
  }

  if (!json || typeof json !== 'object') throw new ProtocolError('malformed manifest: not a JSON object')
  if (json.schemaVersion === 1)
    throw new ProtocolError('Docker schema1 manifests are not supported (deprecated since 2017)')
  const declared = typeof json.mediaType === 'string' ? json.mediaType : contentType?.split(';')[0]?.trim()
  const mediaType =
    declared && (INDEX_TYPES.has(declared) || IMAGE_TYPES.has(declared))
      ? declared
      : Array.isArray(json.manifests)
        ? MediaType.OCI_INDEX
        : MediaType.OCI_MANIFEST
  if (INDEX_TYPES.has(mediaType)) {
    if (!Array.isArray(json.manifests)) throw new ProtocolError('malformed index: "manifests" is not a list')
    return {
      kind: 'index',
      mediaType,
      manifests: json.manifests.map((entry, i) => descriptor(entry, `manifests[${i}]`) as PlatformDescriptor),
    }
  }

  if (!Array.isArray(json.layers)) throw new ProtocolError('malformed manifest: "layers" is not a list')
  return {
    kind: 'image',
    mediaType,
    config: descriptor(json.config, 'config'),
    layers: json.layers.map((entry, i) => descriptor(entry, `layers[${i}]`)),
  }
}

export function formatPlatform(platform: Platform | undefined): string {
  if (!platform) return 'unknown'
  return printable([platform.os, platform.architecture, platform.variant].filter(Boolean).join('/'))
}

/** Buildkit stores provenance/SBOM attestations as index entries with platform unknown/unknown. */
export function isAttestation(entry: PlatformDescriptor): boolean {
  return (
    entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (entry.platform?.os === 'unknown' && entry.platform.architecture === 'unknown')
  )
}

export interface ImageConfig {
  created?: string
  architecture?: string
  os?: string
  variant?: string
}

export function parseImageConfig(body: Buffer): ImageConfig {
  try {
    const json = JSON.parse(body.toString('utf8')) as ImageConfig
    return {
      created: typeof json.created === 'string' ? printable(json.created) : undefined,
      architecture: json.architecture,
      os: json.os,
      variant: json.variant,
    }
  } catch (error) {
    throw new ProtocolError(`malformed image config: not JSON (${(error as Error).message})`)
  }
}
