import {strict as assert} from 'node:assert'
import {type AddressInfo, createServer} from 'node:net'

import nock from 'nock'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {
  backoffDelay,
  describeNetworkError,
  isLoopbackHost,
  parseRetryAfter,
  retryDelay,
  Transport,
} from '../../../src/lib/registry/transport.js'
import {REGISTRY, useNock} from '../../helpers/nock.js'

const fast = () => new Transport({retryBaseMs: 1, retryMaxMs: 50, retries: 3})

describe('transport', () => {
  useNock()

  it('retries 503/502/504/429 on GET and returns the final answer', async () => {
    nock(REGISTRY).get('/v2/').reply(503).get('/v2/').reply(502).get('/v2/').reply(429).get('/v2/').reply(200, '{}')
    const response = await fast().request(`${REGISTRY}/v2/`)
    assert.equal(response.status, 200)
    assert.equal(response.retryCount, 3)
  })

  it('gives up after the retry limit with the last status', async () => {
    nock(REGISTRY).get('/v2/').times(4).reply(503)
    const response = await fast().request(`${REGISTRY}/v2/`)
    assert.equal(response.status, 503)
    assert.equal(response.retryCount, 3)
  })

  it('retries DELETE (idempotent) but never POST', async () => {
    nock(REGISTRY).delete('/v2/a/manifests/x').reply(504).delete('/v2/a/manifests/x').reply(404)
    const deleted = await fast().request(`${REGISTRY}/v2/a/manifests/x`, {method: 'DELETE'})
    assert.deepEqual([deleted.status, deleted.retryCount], [404, 1])
    nock(REGISTRY).post('/v2/a/blobs/uploads/').reply(503)
    const posted = await fast().request(`${REGISTRY}/v2/a/blobs/uploads/`, {method: 'POST'})
    assert.deepEqual([posted.status, posted.retryCount], [503, 0])
  })

  it('does not retry 500 or 404', async () => {
    nock(REGISTRY).get('/v2/x').reply(500)
    assert.equal((await fast().request(`${REGISTRY}/v2/x`)).retryCount, 0)
  })

  it('retries a connection the server resets', async () => {
    // A real socket server: the first connection is dropped mid-request, the second is answered.
    let connections = 0
    const server = createServer((socket) => {
      connections++
      socket.once('data', () => {
        if (connections === 1) socket.resetAndDestroy()
        else socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    nock.enableNetConnect('127.0.0.1')
    try {
      const {port} = server.address() as AddressInfo
      const response = await fast().request(`http://127.0.0.1:${port}/v2/`)
      assert.deepEqual([response.status, response.retryCount, connections], [200, 1, 2])
    } finally {
      server.close()
    }
  })

  it('honours a short Retry-After and gives up at once on one longer than the maximum', async () => {
    nock(REGISTRY).get('/v2/').reply(429, '', {'retry-after': '0'}).get('/v2/').reply(200)
    assert.equal((await fast().request(`${REGISTRY}/v2/`)).retryCount, 1)
    nock(REGISTRY).get('/v2/').reply(429, '', {'retry-after': '3600'})
    const response = await fast().request(`${REGISTRY}/v2/`)
    assert.deepEqual([response.status, response.retryCount], [429, 0])
  })

  it('numbers retries across the read path and got alike (backoff and log from the same count)', async () => {
    nock(REGISTRY).get('/v2/').reply(503).get('/v2/').reply(503).get('/v2/').reply(200, '{}')
    const lines: string[] = []
    const response = await new Transport({
      retryBaseMs: 1,
      retryMaxMs: 50,
      retries: 3,
      debug: (line) => lines.push(line),
    }).request(`${REGISTRY}/v2/`)
    assert.equal(response.retryCount, 2)
    assert.deepEqual(
      lines.filter((line) => line.startsWith('retry')).map((line) => line.split(' ')[1]),
      ['#1', '#2'],
    )
  })

  it('reads Retry-After as seconds (fractions too) or an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000)
    assert.equal(parseRetryAfter('1.5'), 1500)
    assert.equal(parseRetryAfter('Wed, 25 Nov 2026 10:00:30 GMT', Date.parse('Wed, 25 Nov 2026 10:00:00 GMT')), 30_000)
    assert.equal(parseRetryAfter('soon'), undefined)
    assert.equal(parseRetryAfter(undefined), undefined)
  })

  it('computes Retry-After and backoff delays', () => {
    assert.equal(retryDelay({attempt: 1, retryAfterMs: 2000, baseMs: 100, maxMs: 10_000}), 2000)
    assert.equal(retryDelay({attempt: 1, retryAfterMs: 20_000, baseMs: 100, maxMs: 10_000}), 0)
    assert.equal(
      backoffDelay(1, 100, 10_000, () => 0),
      50,
    )
    assert.equal(
      backoffDelay(3, 100, 10_000, () => 1),
      400,
    )
    assert.equal(
      backoffDelay(20, 100, 10_000, () => 1),
      10_000,
    )
  })

  it('maps a refused connection to exit code 3 with a hint', async () => {
    nock.enableNetConnect('127.0.0.1')
    await assert.rejects(new Transport({retries: 0}).request('http://127.0.0.1:9/v2/'), (error: RegistryCtlError) => {
      return (
        error.exitCode === ExitCode.UNREACHABLE &&
        /connection refused by 127.0.0.1:9/.test(error.message) &&
        Boolean(error.hint)
      )
    })
  })

  it('names the port a refused connection tried, also when the reference gave none', () => {
    const refused = (url: string) =>
      describeNetworkError(Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'}), url).message
    assert.equal(refused('https://registry.example.org/v2/'), 'connection refused by registry.example.org:443 (https)')
    assert.equal(refused('http://localhost/v2/'), 'connection refused by localhost:80 (http)')
    assert.equal(refused('https://[::1]:5000/v2/'), 'connection refused by [::1]:5000 (https)')
  })

  it('maps network failures to exit code 3 and TLS failures to 4 with a --ca-file hint', () => {
    const url = 'https://registry.example.org/v2/'
    const unknown = describeNetworkError(
      Object.assign(new Error('getaddrinfo ENOTFOUND registry.example.org'), {code: 'ENOTFOUND'}),
      url,
    )
    assert.deepEqual(
      [unknown.exitCode, unknown.message],
      [ExitCode.UNREACHABLE, 'cannot resolve registry host registry.example.org'],
    )
    const timeout = describeNetworkError(
      Object.assign(new Error('Timeout awaiting response for 30000ms'), {code: 'ETIMEDOUT'}),
      url,
    )
    assert.equal(timeout.exitCode, ExitCode.UNREACHABLE)
    assert.match(timeout.hint ?? '', /--timeout/)
    const tls = describeNetworkError(
      Object.assign(new Error('unable to verify the first certificate'), {code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'}),
      url,
    )
    assert.equal(tls.exitCode, ExitCode.TLS)
    assert.match(tls.hint ?? '', /--ca-file/)
  })

  it('recognises loopback hosts', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1', '127.1.2.3:80', '[::1]:5000'])
      assert.equal(isLoopbackHost(host), true, host)
    for (const host of ['registry.example.org', '10.0.0.1:5000', 'localhost.example.org'])
      assert.equal(isLoopbackHost(host), false, host)
  })

  it('reports an unreadable --ca-file as bad input', () => {
    assert.throws(
      () => new Transport({caFile: '/nonexistent/ca.pem'}),
      (error: RegistryCtlError) => error.exitCode === ExitCode.USAGE && /--ca-file/.test(error.message),
    )
  })
})
