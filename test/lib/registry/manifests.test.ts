import {strict as assert} from 'node:assert'

import {ProtocolError} from '../../../src/lib/errors.js'
import {
  isAttestation,
  MANIFEST_ACCEPT,
  MediaType,
  parseImageConfig,
  parseManifest,
  sha256Digest,
  verifyDigest,
} from '../../../src/lib/registry/manifests.js'

const d = (c: string) => `sha256:${c.repeat(64)}`

describe('manifests', () => {
  it('accepts exactly the four modern manifest types', () => {
    for (const type of [
      MediaType.OCI_MANIFEST,
      MediaType.OCI_INDEX,
      MediaType.DOCKER_MANIFEST,
      MediaType.DOCKER_MANIFEST_LIST,
    ])
      assert.ok(MANIFEST_ACCEPT.includes(type))
    assert.ok(!MANIFEST_ACCEPT.includes('prettyjws'))
  })

  it('parses an image, taking the type from the body', () => {
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.DOCKER_MANIFEST,
        config: {digest: d('a'), size: 1},
        layers: [{digest: d('b'), size: 2}],
      }),
    )
    const manifest = parseManifest(body)
    assert.equal(manifest.kind, 'image')
    assert.equal(manifest.mediaType, MediaType.DOCKER_MANIFEST)
  })

  it('falls back to Content-Type, then to the shape, when an OCI body omits mediaType', () => {
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{digest: d('c'), size: 3, platform: {os: 'linux', architecture: 'amd64'}}],
      }),
    )
    assert.equal(parseManifest(index).kind, 'index')
    assert.equal(parseManifest(index, `${MediaType.OCI_INDEX}; charset=utf-8`).mediaType, MediaType.OCI_INDEX)
  })

  it('rejects schema1, malformed JSON and descriptors without digest', () => {
    assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1}')), /schema1/)
    assert.throws(
      () => parseManifest(Buffer.from('{nope')),
      (error: Error) => error instanceof ProtocolError && /not JSON/.test(error.message),
    )
    assert.throws(
      () => parseManifest(Buffer.from('{"schemaVersion":2,"config":{"size":1},"layers":[]}')),
      /config is not a descriptor/,
    )
  })

  it('verifies digests', () => {
    const data = Buffer.from('hello')
    verifyDigest(data, sha256Digest(data), 'x')
    assert.throws(() => verifyDigest(data, d('0'), 'blob x'), /digest mismatch for blob x/)
  })

  it('recognises buildkit attestations', () => {
    assert.equal(
      isAttestation({mediaType: '', digest: d('a'), size: 1, platform: {os: 'unknown', architecture: 'unknown'}}),
      true,
    )
    assert.equal(
      isAttestation({mediaType: '', digest: d('a'), size: 1, platform: {os: 'linux', architecture: 'amd64'}}),
      false,
    )
  })

  it('reads created from a config', () => {
    assert.equal(parseImageConfig(Buffer.from('{"created":"2021-01-01T00:00:00Z"}')).created, '2021-01-01T00:00:00Z')
    assert.equal(parseImageConfig(Buffer.from('{}')).created, undefined)
  })
})
