import {strict as assert} from 'node:assert'

import {InvalidReferenceError} from '../../../src/lib/errors.js'
import {
  formatReference,
  isDigest,
  parseGlobReference,
  parseImageReference,
  parseRegistry,
} from '../../../src/lib/registry/reference.js'

const DIGEST = `sha256:${'a'.repeat(64)}`

describe('reference', () => {
  describe('parseImageReference', () => {
    it('splits host, port, nested name and tag', () => {
      assert.deepEqual(parseImageReference('registry.example.org:5000/team/sub/app:2021-07-28'), {
        scheme: undefined,
        host: 'registry.example.org:5000',
        name: 'team/sub/app',
        tag: '2021-07-28',
        digest: undefined,
      })
    })

    it('takes a digest, with or without a tag', () => {
      assert.equal(parseImageReference(`localhost/app@${DIGEST}`).digest, DIGEST)
      const both = parseImageReference(`localhost/app:v1@${DIGEST}`)
      assert.equal(both.tag, 'v1')
      assert.equal(both.digest, DIGEST)
    })

    it('keeps an explicit scheme', () => {
      assert.equal(parseImageReference('http://10.0.0.1:5000/app:v1').scheme, 'http')
      assert.equal(parseImageReference('HTTPS://r.example/app:v1').scheme, 'https')
    })

    it('accepts IPv6 hosts', () => {
      assert.equal(parseImageReference('[::1]:5000/app:v1').host, '[::1]:5000')
    })

    const invalid: Array<[string, RegExp]> = [
      ['app:v1', /no registry host, and no default registry is configured/],
      ['wikimedia/app:v1', /no registry host/],
      ['registry.example.org/Team/app:v1', /lowercase/],
      ['registry.example.org/team//app', /not a valid repository name component/],
      ['registry.example.org/app:-bad', /not a valid tag/],
      [`registry.example.org/app:${'x'.repeat(129)}`, /not a valid tag/],
      ['registry.example.org/app@sha256:abc', /not a valid digest/],
      [`registry.example.org/app@md5:${'a'.repeat(32)}`, /unsupported digest algorithm/],
      ['registry.example.org:99999/app', /not a valid port/],
      ['bad_host!.example/app', /not a valid registry host/],
      [`r.example/${'a'.repeat(256)}`, /longer than 255/],
    ]
    for (const [input, why] of invalid) {
      it(`rejects ${input.slice(0, 40)}`, () => {
        assert.throws(
          () => parseImageReference(input),
          (error: Error) =>
            error instanceof InvalidReferenceError &&
            why.test(error.message) &&
            error.message.includes('invalid reference'),
        )
      })
    }

    it("accepts skopeo's docker:// spelling", () => {
      assert.deepEqual(parseImageReference('docker://localhost:5000/team/app:v1'), {
        scheme: undefined,
        host: 'localhost:5000',
        name: 'team/app',
        tag: 'v1',
        digest: undefined,
      })
      assert.deepEqual(parseGlobReference('docker://r.example/app:2021-*'), {
        scheme: undefined,
        host: 'r.example',
        name: 'app',
        pattern: '2021-*',
      })
      assert.deepEqual(parseRegistry('docker://r.example:5000'), {scheme: undefined, host: 'r.example:5000'})
    })

    it('uses the default registry for a name without a host, as docker decides what a host is', () => {
      const defaults = {
        defaultRegistry: 'docker-registry.wikimedia.org',
        aliases: {public: 'docker-registry.wikimedia.org', 'docker-registry.discovery.wmnet': 'localhost:5000'},
      }
      assert.deepEqual(parseImageReference('wikimedia/app:v1', {defaults}), {
        scheme: undefined,
        host: 'docker-registry.wikimedia.org',
        name: 'wikimedia/app',
        tag: 'v1',
        digest: undefined,
      })
      assert.equal(parseGlobReference('app', defaults).host, 'docker-registry.wikimedia.org')
      assert.equal(parseGlobReference('localhost/app', defaults).host, 'localhost')
      // An alias is a host even without a dot, and a host can stand for another.
      assert.deepEqual(parseGlobReference('public/wikimedia/app:*', defaults), {
        scheme: undefined,
        host: 'docker-registry.wikimedia.org',
        name: 'wikimedia/app',
        pattern: '*',
      })
      assert.equal(parseGlobReference('docker-registry.discovery.wmnet/app', defaults).host, 'localhost:5000')
      assert.equal(parseRegistry('public', defaults).host, 'docker-registry.wikimedia.org')
    })

    it('requires a tag or digest when asked', () => {
      assert.throws(
        () => parseImageReference('r.example/app', {require: 'tag-or-digest'}),
        /expected a tag or a digest/,
      )
      assert.throws(() => parseImageReference('r.example/app:v1', {require: 'digest'}), /expected a digest/)
    })
  })

  describe('parseGlobReference', () => {
    it('keeps the tag part as a pattern, unvalidated as a tag', () => {
      assert.deepEqual(parseGlobReference('registry.example.org/team/app:2021-*'), {
        scheme: undefined,
        host: 'registry.example.org',
        name: 'team/app',
        pattern: '2021-*',
      })
      assert.equal(parseGlobReference('localhost:5000/app:[!v]*').pattern, '[!v]*')
    })

    it('allows no pattern and rejects an empty one or a digest', () => {
      assert.equal(parseGlobReference('localhost:5000/app').pattern, undefined)
      assert.throws(() => parseGlobReference('localhost:5000/app:'), /pattern after ":" is empty/)
      assert.throws(() => parseGlobReference(`localhost:5000/app@${DIGEST}`), /digest cannot be combined/)
    })
  })

  describe('parseRegistry', () => {
    it('takes host[:port] with an optional scheme and trailing slash', () => {
      assert.deepEqual(parseRegistry('https://registry.example.org/'), {host: 'registry.example.org', scheme: 'https'})
      assert.deepEqual(parseRegistry('localhost:5000'), {host: 'localhost:5000', scheme: undefined})
    })

    it('rejects an image where a registry is expected', () => {
      assert.throws(() => parseRegistry('registry.example.org/team/app'), /expected a registry host/)
    })
  })

  it('formats references back', () => {
    assert.equal(formatReference({host: 'r:5000', name: 'a/b', tag: 't'}), 'r:5000/a/b:t')
    assert.equal(formatReference({host: 'r', name: 'a', digest: DIGEST}), `r/a@${DIGEST}`)
  })

  it('tells digests from tags', () => {
    assert.equal(isDigest(DIGEST), true)
    assert.equal(isDigest('latest'), false)
  })
})
