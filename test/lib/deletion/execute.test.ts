import {strict as assert} from 'node:assert'

import nock from 'nock'

import {executePlan} from '../../../src/lib/deletion/execute.js'
import {planDeletion} from '../../../src/lib/deletion/plan.js'
import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {HOST, REGISTRY, testSession, useNock} from '../../helpers/nock.js'

const A = `sha256:${'a'.repeat(64)}`
const B = `sha256:${'b'.repeat(64)}`
const ZERO = `sha256:${'0'.repeat(64)}`
const found = (digest: string) =>
  [
    200,
    '',
    {
      'docker-content-digest': digest,
      'content-type': 'application/vnd.oci.image.manifest.v1+json',
      'content-length': '10',
    },
  ] as const
const plan = () =>
  planDeletion({
    registry: HOST,
    name: 'app',
    pattern: 'old*',
    policy: 'block',
    tags: [
      {tag: 'old1', digest: A},
      {tag: 'old2', digest: B},
    ],
  })

describe('deletion/execute', () => {
  useNock()
  const client = () => testSession().client({host: HOST})
  // The preflight, then the fresh listing right before deleting, in which every current tag is resolved
  // (by default as planned: old1 on A, old2 on B).
  const preflightAndListing = (current: Record<string, string> = {old1: A, old2: B}) => {
    const scope = nock(REGISTRY)
      .delete(`/v2/app/manifests/${ZERO}`)
      .reply(404)
      .get('/v2/app/tags/list?n=1000')
      .reply(200, {tags: Object.keys(current)})
    for (const [tag, digest] of Object.entries(current)) scope.head(`/v2/app/manifests/${tag}`).reply(...found(digest))
    return scope
  }

  it('retries a 503 mid-run and counts a 404 after a retried DELETE as done, verified by HEAD', async () => {
    preflightAndListing()
    nock(REGISTRY)
      .head('/v2/app/manifests/old1')
      .reply(...found(A))
      .head('/v2/app/manifests/old2')
      .reply(...found(B))
    nock(REGISTRY).delete(`/v2/app/manifests/${A}`).reply(503).delete(`/v2/app/manifests/${A}`).reply(202)
    // B: the first DELETE worked but its answer was a 504; the retry finds nothing.
    nock(REGISTRY).delete(`/v2/app/manifests/${B}`).reply(504).delete(`/v2/app/manifests/${B}`).reply(404)
    // A's 202 is trusted; only B's unknown outcome is looked at.
    nock(REGISTRY).head(`/v2/app/manifests/${B}`).reply(404)
    const result = await executePlan(client(), plan())
    assert.deepEqual(
      result.tags.map((t) => [t.tag, t.status]),
      [
        ['old1', 'DONE'],
        ['old2', 'DONE'],
      ],
    )
    assert.equal(result.exitCode, ExitCode.OK)
  })

  it('reports [GONE] for a tag deleted by someone else, and [CHANGED] for one that moved', async () => {
    preflightAndListing()
    nock(REGISTRY)
      .head('/v2/app/manifests/old1')
      .reply(404)
      .head('/v2/app/manifests/old2')
      .reply(...found(A))
    const result = await executePlan(client(), plan())
    assert.deepEqual(
      result.tags.map((t) => [t.tag, t.status]),
      [
        ['old1', 'GONE'],
        ['old2', 'CHANGED'],
      ],
    )
    // A planned tag left in place (it moved) is not "all done".
    assert.equal(result.exitCode, ExitCode.PARTIAL)
  })

  it('skips an image that a new tag points at, found in the listing right before deleting', async () => {
    preflightAndListing({old1: A, old2: B, 'new-release': A})
    nock(REGISTRY)
      .head('/v2/app/manifests/old2')
      .reply(...found(B))
      .delete(`/v2/app/manifests/${B}`)
      .reply(202)
    const result = await executePlan(client(), plan())
    const old1 = result.tags.find((t) => t.tag === 'old1')!
    assert.equal(old1.status, 'CHANGED')
    assert.match(old1.detail!, /tag new-release appeared/)
    assert.equal(result.tags.find((t) => t.tag === 'old2')!.status, 'DONE')
  })

  it('does not list again when the plan was listed right before (planJustListed), and still re-checks each tag', async () => {
    // Only the preflight: no tag list and no HEAD of every tag; nock refuses any request not set up here.
    nock(REGISTRY).delete(`/v2/app/manifests/${ZERO}`).reply(404)
    nock(REGISTRY)
      .head('/v2/app/manifests/old1')
      .reply(...found(A))
      .head('/v2/app/manifests/old2')
      .reply(...found(A))
    const deleted = nock(REGISTRY).delete(`/v2/app/manifests/${A}`).reply(202)
    const result = await executePlan(client(), plan(), {planJustListed: true})
    assert.deepEqual(
      result.tags.map((t) => [t.tag, t.status]),
      [
        ['old1', 'DONE'],
        ['old2', 'CHANGED'],
      ],
    )
    assert.ok(deleted.isDone())
  })

  it('stops before touching anything when deletes are disabled', async () => {
    nock(REGISTRY)
      .delete(`/v2/app/manifests/${ZERO}`)
      .reply(405, {errors: [{code: 'UNSUPPORTED'}]}, {'content-type': 'application/json'})
    await assert.rejects(
      executePlan(client(), plan()),
      (error: RegistryCtlError) => error.exitCode === ExitCode.UNSUPPORTED && /deletes disabled/.test(error.message),
    )
  })

  it('trusts a 202: no verifying HEAD after an accepted DELETE', async () => {
    preflightAndListing()
    nock(REGISTRY)
      .head('/v2/app/manifests/old1')
      .reply(...found(A))
      .head('/v2/app/manifests/old2')
      .reply(404)
    nock(REGISTRY).delete(`/v2/app/manifests/${A}`).reply(202)
    const result = await executePlan(client(), plan())
    assert.equal(result.tags.find((t) => t.tag === 'old1')!.status, 'DONE')
    assert.equal(result.exitCode, ExitCode.OK)
  })

  describe('a DELETE whose outcome is unknown is looked at before it is reported', () => {
    const onlyOld1 = () => {
      preflightAndListing()
      nock(REGISTRY)
        .head('/v2/app/manifests/old1')
        .reply(...found(A))
        .head('/v2/app/manifests/old2')
        .reply(404)
    }

    const run = (options = {}) =>
      executePlan(testSession({retries: 1}).client({host: HOST}), plan(), {lookDelayMs: 1, ...options})

    it('retries used up on 503, but the manifest is gone: DONE, not FAIL', async () => {
      onlyOld1()
      nock(REGISTRY).delete(`/v2/app/manifests/${A}`).twice().reply(503)
      nock(REGISTRY).head(`/v2/app/manifests/${A}`).reply(404)
      const result = await run()
      const old1 = result.tags.find((t) => t.tag === 'old1')!
      assert.equal(old1.status, 'DONE')
      assert.match(old1.detail!, /confirmed gone by a HEAD after: .*503/)
      assert.equal(result.exitCode, ExitCode.OK)
    })

    it('the answer was lost (gateway timeouts until the retries are used up), and the manifest still resolves: FAIL, exit 10', async () => {
      onlyOld1()
      nock(REGISTRY).delete(`/v2/app/manifests/${A}`).twice().reply(504)
      nock(REGISTRY)
        .head(`/v2/app/manifests/${A}`)
        .reply(...found(A))
      const result = await run()
      const old1 = result.tags.find((t) => t.tag === 'old1')!
      assert.equal(old1.status, 'FAIL')
      assert.match(old1.detail!, /^not deleted: /)
      assert.equal(result.exitCode, ExitCode.PARTIAL)
    })

    it('the looking HEAD keeps failing too: UNKNOWN (never a guess), exit 10', async () => {
      onlyOld1()
      nock(REGISTRY).delete(`/v2/app/manifests/${A}`).reply(500)
      nock(REGISTRY).head(`/v2/app/manifests/${A}`).times(6).reply(503)
      const result = await run({lookAttempts: 3})
      const old1 = result.tags.find((t) => t.tag === 'old1')!
      assert.equal(old1.status, 'UNKNOWN')
      assert.match(old1.detail!, /could not be checked/)
      assert.equal(result.counts.UNKNOWN, 1)
      assert.equal(result.exitCode, ExitCode.PARTIAL)
    })

    it('a HEAD that fails once is looked at again (its own retries): DONE', async () => {
      onlyOld1()
      nock(REGISTRY).delete(`/v2/app/manifests/${A}`).twice().reply(502)
      nock(REGISTRY).head(`/v2/app/manifests/${A}`).twice().reply(503).head(`/v2/app/manifests/${A}`).reply(404)
      const result = await run({lookAttempts: 3})
      assert.equal(result.tags.find((t) => t.tag === 'old1')!.status, 'DONE')
    })
  })

  it('a refusal mid-run (403 on a DELETE) fails that image, sends no later DELETE that is not already out, and still reports every tag', async () => {
    preflightAndListing()
    nock(REGISTRY)
      .head('/v2/app/manifests/old1')
      .reply(...found(A))
      .head('/v2/app/manifests/old2')
      .reply(...found(B))
    nock(REGISTRY)
      .delete(`/v2/app/manifests/${A}`)
      .reply(403, {errors: [{code: 'DENIED'}]}, {'content-type': 'application/json'})
    // B's DELETE may already be on its way when A's refusal comes back; if it is, it is refused too.
    nock(REGISTRY)
      .delete(`/v2/app/manifests/${B}`)
      .optionally()
      .reply(403, {errors: [{code: 'DENIED'}]}, {'content-type': 'application/json'})
    const result = await executePlan(testSession({concurrency: 1}).client({host: HOST}), plan())
    const [old1, old2] = result.tags
    assert.equal(old1!.status, 'FAIL')
    assert.match(old1!.detail!, /^not deleted: access to .* denied/)
    assert.ok(old2!.status === 'SKIPPED' || old2!.status === 'FAIL', old2!.status)
    if (old2!.status === 'SKIPPED') assert.match(old2!.detail!, /refused an earlier deletion/)
    assert.equal(result.exitCode, ExitCode.PARTIAL)
  })

  it('sends no request once interrupted before it started: the tags not attempted are SKIPPED, exit 130, each outcome reported as it happens', async () => {
    const controller = new AbortController()
    controller.abort()
    const seen: string[] = []
    const result = await executePlan(client(), plan(), {
      signal: controller.signal,
      onOutcome: (outcome) => seen.push(`${outcome.tag} ${outcome.status}`),
    })
    assert.deepEqual(
      result.tags.map((t) => t.status),
      ['SKIPPED', 'SKIPPED'],
    )
    assert.deepEqual(seen.sort(), ['old1 SKIPPED', 'old2 SKIPPED'])
    assert.equal(result.interrupted, true)
    assert.equal(result.exitCode, ExitCode.INTERRUPTED)
  })
})
