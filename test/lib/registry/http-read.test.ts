/**
 * The read path's one attempt, against real sockets on loopback: redirects (and what credentials
 * survive them), answers cut short, servers that never answer.
 */
import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'
import http, {type IncomingMessage, type ServerResponse} from 'node:http'
import https from 'node:https'
import {type AddressInfo, createServer as createTcpServer, type Server} from 'node:net'

import nock from 'nock'

import {readOnce, type ReadOptions} from '../../../src/lib/registry/http-read.js'
import {Transport} from '../../../src/lib/registry/transport.js'
import {makePki} from '../../helpers/tls.js'

interface Seen {
  path: string
  authorization?: string
  cookie?: string
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void

async function listen(server: http.Server | https.Server | Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

const close = (server: {close(callback: () => void): unknown}) =>
  new Promise<void>((resolve) => server.close(() => resolve()))

const agents = {http: new http.Agent({keepAlive: false}), https: new https.Agent({keepAlive: false})}
const options = (extra: Partial<ReadOptions> = {}): ReadOptions => ({
  method: 'GET',
  headers: {authorization: 'Bearer secret', cookie: 'session=secret'},
  followRedirect: true,
  timeoutMs: 2000,
  agents: () => agents,
  tls: {rejectUnauthorized: true},
  ...extra,
})

describe('http-read', () => {
  const seen: Seen[] = []
  let handler: Handler
  let server: http.Server
  let other: http.Server
  let origin: string
  let otherOrigin: string
  const record = (request: IncomingMessage) =>
    seen.push({path: request.url ?? '', authorization: request.headers.authorization, cookie: request.headers.cookie})

  before(async () => {
    nock.enableNetConnect('127.0.0.1')
    server = http.createServer((request, response) => {
      record(request)
      handler(request, response)
    })
    other = http.createServer((request, response) => {
      record(request)
      response.writeHead(200, {'content-type': 'text/plain'}).end('other')
    })
    origin = `http://127.0.0.1:${await listen(server)}`
    otherOrigin = `http://127.0.0.1:${await listen(other)}`
  })
  after(async () => {
    await Promise.all([close(server), close(other)])
  })
  beforeEach(() => {
    seen.length = 0
  })

  it('follows a redirect on the same origin with the credentials, and drops them for another port', async () => {
    handler = (request, response) => {
      if (request.url === '/start') response.writeHead(307, {location: '/same'}).end()
      else if (request.url === '/same') response.writeHead(302, {location: `${otherOrigin}/elsewhere`}).end()
      else response.writeHead(404).end()
    }

    const answer = await readOnce(`${origin}/start`, options())
    assert.deepEqual([answer.status, answer.body.toString(), answer.url], [200, 'other', `${otherOrigin}/elsewhere`])
    assert.deepEqual(seen, [
      {path: '/start', authorization: 'Bearer secret', cookie: 'session=secret'},
      {path: '/same', authorization: 'Bearer secret', cookie: 'session=secret'},
      {path: '/elsewhere', authorization: undefined, cookie: undefined},
    ])
  })

  it('does not carry a Host header given for the first origin to another', async () => {
    const hosts: Array<string | undefined> = []
    other.once('request', (request: IncomingMessage) => hosts.push(request.headers.host))
    handler = (request, response) => {
      hosts.push(request.headers.host)
      response.writeHead(302, {location: `${otherOrigin}/elsewhere`}).end()
    }

    await readOnce(`${origin}/start`, options({headers: {host: 'registry.test'}}))
    assert.deepEqual(hosts, ['registry.test', new URL(otherOrigin).host])
  })

  it('drops the credentials when https redirects to http on the same host', async () => {
    const pki = makePki(['127.0.0.1'])
    const secure = https.createServer(
      {cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey)},
      (request, response) => {
        record(request)
        response.writeHead(301, {location: `${origin}/plain`}).end()
      },
    )
    const port = await listen(secure)
    handler = (_request, response) => response.writeHead(200).end('plain')
    try {
      const answer = await readOnce(
        `https://127.0.0.1:${port}/v2/`,
        options({tls: {rejectUnauthorized: true, ca: [readFileSync(pki.caCert, 'utf8')]}}),
      )
      assert.equal(answer.body.toString(), 'plain')
      assert.deepEqual(seen, [
        {path: '/v2/', authorization: 'Bearer secret', cookie: 'session=secret'},
        {path: '/plain', authorization: undefined, cookie: undefined},
      ])
    } finally {
      await close(secure)
    }
  })

  it('keeps at most maxBodyBytes of a body, reading the rest, so the keep-alive pool serves the next request', async () => {
    const body = Buffer.alloc(300_000, 97)
    handler = (_request, response) => response.writeHead(200, {'content-length': String(body.length)}).end(body)
    const keepAlive = {http: new http.Agent({keepAlive: true, maxSockets: 1}), https: agents.https}
    try {
      const prefix = await readOnce(`${origin}/big`, options({agents: () => keepAlive, maxBodyBytes: 70_000}))
      assert.deepEqual(
        [prefix.status, prefix.body.length, prefix.body.every((byte) => byte === 97)],
        [200, 70_000, true],
      )
      const none = await readOnce(`${origin}/big`, options({agents: () => keepAlive, maxBodyBytes: 0}))
      assert.deepEqual([none.status, none.body.length], [200, 0])
      assert.equal((await readOnce(`${origin}/big`, options({agents: () => keepAlive}))).body.length, body.length)
    } finally {
      keepAlive.http.destroy()
    }
  })

  it('answers a redirect itself when not following, and stops after ten redirects', async () => {
    handler = (request, response) =>
      response.writeHead(302, {location: `/hop${Number(request.url!.slice(4) || 0) + 1}`}).end()
    const answer = await readOnce(`${origin}/hop0`, options({followRedirect: false}))
    assert.deepEqual([answer.status, answer.headers.location, seen.length], [302, '/hop1', 1])
    await assert.rejects(
      readOnce(`${origin}/hop0`, options()),
      (error: Error & {code?: string}) => error.code === 'ERR_TOO_MANY_REDIRECTS',
    )
    assert.equal(seen.length, 1 + 11)
  })

  it('rejects an answer cut short as a reset (ECONNRESET), and a server that never answers as a timeout (ETIMEDOUT)', async () => {
    handler = (_request, response) => {
      response.writeHead(200, {'content-length': '100'})
      response.write('{"tags": [')
      setTimeout(() => response.socket?.destroy(), 20)
    }

    await assert.rejects(
      readOnce(`${origin}/cut`, options()),
      (error: Error & {code?: string}) => error.code === 'ECONNRESET',
    )
    handler = () => {}
    const started = performance.now()
    await assert.rejects(
      readOnce(`${origin}/silent`, options({timeoutMs: 300})),
      (error: Error & {code?: string}) => error.code === 'ETIMEDOUT',
    )
    assert.ok(performance.now() - started < 2000)
  })

  it('through the transport: an answer cut short is sent again (by got), counted as a retry', async () => {
    // A raw socket server: the first answer is cut short, the second is whole.
    let connections = 0
    const raw = createTcpServer((socket) => {
      connections++
      socket.once('data', () => {
        if (connections === 1) socket.end('HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{"tags":')
        else socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}')
      })
    })
    const port = await listen(raw)
    try {
      const response = await new Transport({retryBaseMs: 1, retryMaxMs: 10, retries: 2}).request(
        `http://127.0.0.1:${port}/v2/`,
      )
      assert.deepEqual([response.status, response.body.toString(), response.retryCount, connections], [200, '{}', 1, 2])
    } finally {
      await close(raw)
    }
  })
})
