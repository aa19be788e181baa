import {strict as assert} from 'node:assert'

import nock from 'nock'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {MANIFEST_ACCEPT, MediaType, sha256Digest} from '../../../src/lib/registry/manifests.js'
import {HOST, REGISTRY, testSession, useNock} from '../../helpers/nock.js'

const manifestBody = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: MediaType.OCI_MANIFEST,
    config: {digest: `sha256:${'c'.repeat(64)}`, size: 2},
    layers: [],
  }),
)
const manifestDigest = sha256Digest(manifestBody)
const errorBody = (code: string) => ({errors: [{code, message: code.toLowerCase().replace('_', ' ')}]})
const json = {'content-type': 'application/json; charset=utf-8'}

describe('client', () => {
  useNock()
  const client = () => testSession().client({host: HOST})

  it('follows tag-list pages and treats {"tags": null} as no tags', async () => {
    nock(REGISTRY)
      .get('/v2/a/tags/list?n=1000')
      .reply(200, {name: 'a', tags: ['t1']}, {link: '</v2/a/tags/list?last=t1&n=1000>; rel="next"'})
      .get('/v2/a/tags/list?last=t1&n=1000')
      .reply(200, {name: 'a', tags: ['t2']})
      .get('/v2/b/tags/list?n=1000')
      .reply(200, {name: 'b', tags: null})
    assert.deepEqual(await client().tags('a'), ['t1', 't2'])
    assert.deepEqual(await client().tags('b'), [])
  })

  it('reads a repository the registry no longer knows as empty only when asked, and still fails other errors', async () => {
    nock(REGISTRY).get('/v2/gone/tags/list?n=1000').times(2).reply(404, errorBody('NAME_UNKNOWN'), json)
    assert.deepEqual(await client().tags('gone', {missingIsEmpty: true}), [])
    await assert.rejects(client().tags('gone'), (error: RegistryCtlError) => error.exitCode === ExitCode.NOT_FOUND)
    nock(REGISTRY).get('/v2/denied/tags/list?n=1000').reply(403, errorBody('DENIED'), json)
    await assert.rejects(
      client().tags('denied', {missingIsEmpty: true}),
      (error: RegistryCtlError) => error.exitCode === ExitCode.DENIED,
    )
  })

  it('rejects malformed JSON in a listing with exit code 9', async () => {
    // Asked again up to --retries (4) times: a damaged answer may be the connection's fault.
    nock(REGISTRY).get('/v2/_catalog?n=1000').times(5).reply(200, '{"repositories": [', json)
    await assert.rejects(
      client().repositories(),
      (error: RegistryCtlError) =>
        error.exitCode === ExitCode.REGISTRY && /malformed JSON for the catalog/.test(error.message),
    )
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: [1, 2]})
    await assert.rejects(client().repositories(), /malformed repositories list/)
  })

  it('resolves with a HEAD that accepts all four manifest types', async () => {
    nock(REGISTRY, {reqheaders: {accept: MANIFEST_ACCEPT}})
      .head('/v2/a/manifests/v1')
      .reply(200, '', {
        'docker-content-digest': manifestDigest,
        'content-type': MediaType.OCI_MANIFEST,
        'content-length': String(manifestBody.length),
      })
    assert.deepEqual(await client().resolve('a', 'v1'), {
      mediaType: MediaType.OCI_MANIFEST,
      digest: manifestDigest,
      size: manifestBody.length,
    })
  })

  it('falls back to GET and hashes the body when Docker-Content-Digest is missing', async () => {
    nock(REGISTRY).head('/v2/a/manifests/v1').reply(200, '', {'content-type': MediaType.OCI_MANIFEST})
    nock(REGISTRY).get('/v2/a/manifests/v1').reply(200, manifestBody, {'content-type': MediaType.OCI_MANIFEST})
    assert.equal((await client().resolve('a', 'v1')).digest, manifestDigest)
  })

  it('refuses a manifest whose body does not hash to the announced digest', async () => {
    nock(REGISTRY)
      .get('/v2/a/manifests/v1')
      .times(5)
      .reply(200, manifestBody, {'docker-content-digest': `sha256:${'0'.repeat(64)}`})
    await assert.rejects(
      client().manifest('a', 'v1'),
      (error: RegistryCtlError) => error.exitCode === ExitCode.REGISTRY && /digest mismatch/.test(error.message),
    )
    nock(REGISTRY)
      .get(`/v2/a/manifests/sha256:${'1'.repeat(64)}`)
      .times(5)
      .reply(200, manifestBody)
    await assert.rejects(client().manifest('a', `sha256:${'1'.repeat(64)}`), /digest mismatch/)
  })

  it('refuses a blob whose content does not match its digest', async () => {
    nock(REGISTRY)
      .get(`/v2/a/blobs/sha256:${'c'.repeat(64)}`)
      .times(5)
      .reply(200, 'xx')
    await assert.rejects(client().blob('a', `sha256:${'c'.repeat(64)}`), /digest mismatch for blob/)
  })

  it('reads again after a damaged answer (unparsable JSON, content not matching its digest)', async () => {
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, '{"repositories": [', json)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['a']})
    assert.deepEqual(await client().repositories(), ['a'])
    nock(REGISTRY)
      .get('/v2/a/manifests/v1')
      .reply(200, manifestBody.subarray(0, 10), {'docker-content-digest': manifestDigest})
      .get('/v2/a/manifests/v1')
      .reply(200, manifestBody, {'docker-content-digest': manifestDigest, 'content-type': MediaType.OCI_MANIFEST})
    assert.equal((await client().manifest('a', 'v1')).descriptor.digest, manifestDigest)
  })

  const mapped: Array<[string, number, Record<string, unknown> | string, Record<string, string>, number, RegExp]> = [
    [
      '404 NAME_UNKNOWN',
      404,
      errorBody('NAME_UNKNOWN'),
      json,
      ExitCode.NOT_FOUND,
      /registry.test\/a not found \(NAME_UNKNOWN\)/,
    ],
    [
      '403 DENIED',
      403,
      errorBody('DENIED'),
      json,
      ExitCode.DENIED,
      /access to repository registry.test\/a denied by registry.test \(no credentials\)/,
    ],
    ['429 TOOMANYREQUESTS', 429, errorBody('TOOMANYREQUESTS'), json, ExitCode.REGISTRY, /rate-limiting/],
    ['500', 500, 'oops', {}, ExitCode.REGISTRY, /answered 500 \(server error\)/],
  ]
  for (const [label, status, body, headers, exitCode, message] of mapped) {
    it(`maps ${label} to exit code ${exitCode}`, async () => {
      nock(REGISTRY).get('/v2/a/tags/list?n=1000').times(5).reply(status, body, headers)
      await assert.rejects(
        client().tags('a'),
        (error: RegistryCtlError) => error.exitCode === exitCode && message.test(error.message),
      )
      nock.cleanAll()
    })
  }

  it('words 405 as deletes disabled (UNSUPPORTED) or read-only mode (plain text)', async () => {
    const digest = `sha256:${'d'.repeat(64)}`
    nock(REGISTRY).delete(`/v2/a/manifests/${digest}`).reply(405, errorBody('UNSUPPORTED'), json)
    await assert.rejects(
      client().deleteManifest('a', digest),
      (error: RegistryCtlError) =>
        error.exitCode === ExitCode.UNSUPPORTED && /deletes disabled \(storage.delete.enabled/.test(error.message),
    )
    nock(REGISTRY).delete(`/v2/a/manifests/${digest}`).reply(405, 'Method not allowed', {allow: 'GET, HEAD'})
    await assert.rejects(client().deleteManifest('a', digest), /read-only/)
  })
})
