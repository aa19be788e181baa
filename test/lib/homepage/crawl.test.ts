/** What a real registry cannot show: names and tags outside the grammar, unreadable images, 403s, 5xx. */
import {strict as assert} from 'node:assert'

import nock from 'nock'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {crawlRegistry} from '../../../src/lib/homepage/crawl.js'
import {emptyState} from '../../../src/lib/homepage/state.js'
import {MediaType, sha256Digest} from '../../../src/lib/registry/manifests.js'
import {HOST, REGISTRY, testSession, useNock} from '../../helpers/nock.js'

const json = {'content-type': 'application/json'}
const SCHEMA1 = '{"schemaVersion": 1, "name": "ok/app"}'
const DIGEST = sha256Digest(SCHEMA1)

describe('homepage crawl', () => {
  useNock()
  const clients = () => ({client: testSession().client({host: HOST}), anonymous: testSession().client({host: HOST})})

  it('publishes only valid names and tags, hides 403s and vanished repositories, and lists an unreadable image without details', async () => {
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['ok/app', 'Bad Name', 'evil/<x>', 'denied/app', 'gone/app']})
      .get('/v2/ok/app/tags/list?n=1000')
      .reply(200, {tags: ['1.0', '<b>', 'bad tag']}, json)
      .head('/v2/ok/app/manifests/1.0')
      .reply(200, '', {
        'docker-content-digest': DIGEST,
        'content-type': MediaType.DOCKER_MANIFEST,
        'content-length': '30',
      })
      .get(`/v2/ok/app/manifests/${DIGEST}`)
      .reply(200, SCHEMA1, {'content-type': 'application/json'})
      .get('/v2/denied/app/tags/list?n=1000')
      .reply(403, {errors: [{code: 'DENIED'}]}, json)
      .get('/v2/gone/app/tags/list?n=1000')
      .reply(404, {errors: [{code: 'NAME_UNKNOWN'}]}, json)
    const {repositories, stats, state} = await crawlRegistry({...clients(), state: emptyState(HOST)})
    assert.deepEqual(stats.hidden, {
      byGlob: [],
      restricted: ['denied/app'],
      empty: 1,
      invalid: ['Bad Name', 'evil/<x>'],
    })
    assert.equal(repositories.length, 1)
    assert.deepEqual(
      repositories[0]!.tags.map((tag) => [tag.tag, tag.digest, tag.error !== undefined]),
      [['1.0', DIGEST, true]],
    )
    assert.equal(stats.warnings.length, 2)
    assert.match(stats.warnings[0]!, /^ok\/app: 2 tag\(s\) with invalid names not published$/)
    assert.match(
      stats.warnings[1]!,
      /^ok\/app:1\.0 \(sha256:[0-9a-f]{64}\): Docker schema1 manifests are not supported/,
    )
    // An unreadable image is not remembered: the next build tries again.
    assert.deepEqual(state.summaries, {})
  })

  it('fails the whole build when the registry fails (a 500, or a 503 after retries), rather than publish half a registry', async () => {
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['a']})
      .get('/v2/a/tags/list?n=1000')
      .reply(500, 'boom')
    const client = testSession({retries: 2}).client({host: HOST})
    await assert.rejects(
      crawlRegistry({client, anonymous: client, state: emptyState(HOST)}),
      (error: RegistryCtlError) => error.exitCode === ExitCode.REGISTRY,
    )
    nock(REGISTRY)
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['a']})
      .get('/v2/a/tags/list?n=1000')
      .times(3)
      .reply(503, 'busy')
    await assert.rejects(
      crawlRegistry({client, anonymous: client, state: emptyState(HOST)}),
      (error: RegistryCtlError) => error.exitCode === ExitCode.REGISTRY && /503/.test(error.message),
    )
  })
})
