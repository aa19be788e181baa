/**
 * A fault-injecting HTTP proxy in front of a real registry, for reliability tests. Each request draws
 * from a seeded PRNG whether it is faulted (at `rate`) and how, so a failing run replays from its seed:
 *  - 503: answered 503 without reaching the registry;
 *  - 429: answered 429 with Retry-After (seconds) without reaching the registry;
 *  - reset: forwarded, the registry's whole answer awaited (it processed the request), then the
 *    connection is destroyed without a byte of it;
 *  - truncate: forwarded, the status and headers (with the true or a made-up Content-Length) and half of
 *    the body sent, then the connection destroyed;
 *  - delay: forwarded after `delayMs`;
 *  - malformed: forwarded, and a JSON body replaced by broken JSON of the same declared type.
 * `force` decides per request instead of the PRNG (a fault for one path, always).
 */
import {createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo, Socket} from 'node:net'

import {seededRandom} from './prng.js'

export const FAULT_KINDS = ['503', '429', 'reset', 'truncate', 'delay', 'malformed'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface FaultProxyOptions {
  /** The registry, e.g. http://127.0.0.1:5000. */
  target: string
  seed?: number
  /** Share of requests faulted, 0..1. */
  rate?: number
  kinds?: readonly FaultKind[]
  delayMs?: number
  retryAfterS?: number
  /** Per request: a fault to apply (overrides the PRNG), null for none, undefined to let the PRNG draw. */
  force?: (method: string, path: string) => FaultKind | null | undefined
}

export interface FaultProxy {
  /** `127.0.0.1:PORT`, as a registry host in references. */
  host: string
  url: string
  /** Every fault applied: method, path, kind. */
  faults: Array<{method: string; path: string; kind: FaultKind}>
  requests: number
  stop(): Promise<void>
}

interface Upstream {
  status: number
  headers: IncomingMessage['headers']
  body: Buffer
}

function forward(target: URL, request: IncomingMessage, body: Buffer): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: {...request.headers, host: target.host},
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () =>
          resolve({status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks)}),
        )
        response.on('error', reject)
      },
    )
    upstream.on('error', reject)
    upstream.end(body)
  })
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks)))
    request.on('error', reject)
  })
}

/** Headers to pass on: hop-by-hop ones dropped, Location rewritten to the proxy. */
function passHeaders(
  headers: IncomingMessage['headers'],
  target: string,
  self: string,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || ['connection', 'keep-alive', 'transfer-encoding'].includes(name)) continue
    out[name] = name === 'location' && typeof value === 'string' ? value.replace(target, self) : value
  }

  return out
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target)
  const random = seededRandom(options.seed ?? 1)
  const rate = options.rate ?? 0.25
  const kinds = options.kinds ?? FAULT_KINDS
  const sockets = new Set<Socket>()
  const state: FaultProxy = {host: '', url: '', faults: [], requests: 0, stop: async () => {}}

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    state.requests++
    const method = request.method ?? 'GET'
    const path = request.url ?? '/'
    // Draw both numbers for every request, so one forced path does not shift the others' faults.
    const roll = random()
    const pick = kinds[Math.floor(random() * kinds.length)]!
    const forced = options.force?.(method, path)
    const kind = forced === undefined ? (roll < rate ? pick : undefined) : (forced ?? undefined)
    if (kind) state.faults.push({method, path, kind})
    const body = await readBody(request)
    if (kind === '503') {
      response.writeHead(503, {'content-type': 'text/plain'}).end('fault proxy: 503')
      return
    }

    if (kind === '429') {
      response
        .writeHead(429, {'retry-after': String(options.retryAfterS ?? 1), 'content-type': 'application/json'})
        .end('{"errors":[{"code":"TOOMANYREQUESTS"}]}')
      return
    }

    if (kind === 'delay') await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 300))
    const upstream = await forward(target, request, body)
    if (kind === 'reset') {
      request.socket.destroy()
      return
    }

    const headers = passHeaders(upstream.headers, target.origin, state.url)
    if (kind === 'truncate' && method !== 'HEAD') {
      const declared = Math.max(upstream.body.length, 16)
      response.writeHead(upstream.status, {...headers, 'content-length': String(declared)})
      response.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)))
      // Let the partial body leave before the connection goes.
      setTimeout(() => request.socket.destroy(), 5)
      return
    }

    let payload = upstream.body
    if (kind === 'malformed' && /json/.test(String(upstream.headers['content-type'])) && payload.length > 0) {
      payload = Buffer.from(
        `${payload.subarray(0, Math.floor(payload.length / 2)).toString('latin1')}\u0000}{`,
        'latin1',
      )
    }

    if (method !== 'HEAD') headers['content-length'] = String(payload.length)
    response.writeHead(upstream.status, headers).end(method === 'HEAD' ? undefined : payload)
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => request.socket.destroy())
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  state.host = `127.0.0.1:${port}`
  state.url = `http://${state.host}`
  state.stop = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resolve())
    })
  return state
}
