/**
 * Builds small but well-formed images in memory: OCI or Docker schema2 manifests with a real config
 * (created date, platform) and gzip layers, and indexes over them. Used to seed sandbox and test
 * registries, through the API (push) or by writing distribution's store directly (fixtures).
 */
import {gzipSync} from 'node:zlib'

import {MediaType, sha256Digest} from '../lib/registry/manifests.js'

export type ImageFormat = 'oci' | 'docker'

export interface BuiltImage {
  kind: 'image' | 'index'
  mediaType: string
  manifest: Buffer
  digest: string
  /** Every blob the image needs (configs and layers, children's included), by digest. */
  blobs: Map<string, Buffer>
  /** For an index: its children, pushed by digest before it. */
  children: BuiltImage[]
}

export interface ImageSpec {
  created: string
  format?: ImageFormat
  os?: string
  architecture?: string
  variant?: string
  /** Layer contents (uncompressed); they are gzipped. Share a string between images to share a layer. */
  layers?: string[]
  /** Anything that must make the config unique (labels end up in the config). */
  labels?: Record<string, string>
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value))
}

/** gzip with a fixed mtime, so equal contents give equal layer digests. */
function layerBlob(content: string): {blob: Buffer; diffId: string} {
  const raw = Buffer.from(content)
  return {blob: gzipSync(raw, {level: 1}), diffId: sha256Digest(raw)}
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const format = spec.format ?? 'oci'
  const layers = (spec.layers ?? [`layer of ${spec.created}`]).map((content) => layerBlob(content))
  const config = json({
    created: spec.created,
    architecture: spec.architecture ?? 'amd64',
    os: spec.os ?? 'linux',
    ...(spec.variant ? {variant: spec.variant} : {}),
    config: {Labels: spec.labels ?? {}},
    rootfs: {type: 'layers', diff_ids: layers.map((layer) => layer.diffId)},
    history: [{created: spec.created, created_by: 'registryctl sandbox'}],
  })
  const mediaType = format === 'oci' ? MediaType.OCI_MANIFEST : MediaType.DOCKER_MANIFEST
  const manifest = json({
    schemaVersion: 2,
    mediaType,
    config: {
      mediaType: format === 'oci' ? MediaType.OCI_CONFIG : MediaType.DOCKER_CONFIG,
      digest: sha256Digest(config),
      size: config.length,
    },
    layers: layers.map((layer) => ({
      mediaType: format === 'oci' ? MediaType.OCI_LAYER : MediaType.DOCKER_LAYER,
      digest: sha256Digest(layer.blob),
      size: layer.blob.length,
    })),
  })
  const blobs = new Map<string, Buffer>([[sha256Digest(config), config]])
  for (const layer of layers) blobs.set(sha256Digest(layer.blob), layer.blob)
  return {kind: 'image', mediaType, manifest, digest: sha256Digest(manifest), blobs, children: []}
}

/** An index (OCI) or manifest list (Docker) over images built with buildImage. */
export function buildIndex(
  children: Array<{image: BuiltImage; os: string; architecture: string; variant?: string}>,
  format: ImageFormat = 'oci',
): BuiltImage {
  const mediaType = format === 'oci' ? MediaType.OCI_INDEX : MediaType.DOCKER_MANIFEST_LIST
  const manifest = json({
    schemaVersion: 2,
    mediaType,
    manifests: children.map(({image, os, architecture, variant}) => ({
      mediaType: image.mediaType,
      digest: image.digest,
      size: image.manifest.length,
      platform: {architecture, os, ...(variant ? {variant} : {})},
    })),
  })
  const blobs = new Map<string, Buffer>()
  for (const {image} of children) for (const [digest, blob] of image.blobs) blobs.set(digest, blob)
  return {
    kind: 'index',
    mediaType,
    manifest,
    digest: sha256Digest(manifest),
    blobs,
    children: children.map((child) => child.image),
  }
}

/** A multi-platform index whose children differ by platform and created date (newest: the last). */
export function buildMultiArch(created: string[], format: ImageFormat = 'oci', tag = 'multi'): BuiltImage {
  const platforms = [
    {os: 'linux', architecture: 'amd64'},
    {os: 'linux', architecture: 'arm64', variant: 'v8'},
    {os: 'linux', architecture: 'arm', variant: 'v7'},
  ]
  return buildIndex(
    created.map((date, i) => {
      const platform = platforms[i % platforms.length]!
      return {
        ...platform,
        image: buildImage({created: date, format, ...platform, layers: [`${tag} ${platform.architecture} ${date}`]}),
      }
    }),
    format,
  )
}
