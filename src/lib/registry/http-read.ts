/**
 * One GET or HEAD over node:http(s), on the transport's keep-alive agents: the read path of every
 * listing, resolve, plan and smoke case. got costs 480–790 µs of CPU per request against 230–380 µs
 * here (profiled on 500 tag lists), and on a two-core build host that CPU is taken from the registry
 * answering. This module sends exactly one attempt (following redirects); retries, writes and
 * everything else stay with got in transport.ts, which also takes over any attempt that fails here.
 *
 * No terminal I/O, no retries, no auth: the caller decides what an answer or an error means.
 */
import http, {type IncomingMessage} from 'node:http'
import https from 'node:https'
import type {LookupFunction} from 'node:net'

export interface ReadOptions {
  method: 'GET' | 'HEAD'
  headers: Record<string, string>
  /** Follow redirects (at most MAX_REDIRECTS); without, a 3xx is the answer. */
  followRedirect: boolean
  /** Until the answer's headers arrive, and then between two chunks of its body, in ms. */
  timeoutMs: number
  /** The agents for a URL (direct, or through its proxy), asked again at every redirect. */
  agents: (url: URL) => {http: http.Agent; https: https.Agent}
  /** TLS options for https URLs (the same as got is given, so both share the agents' pools). */
  tls: {rejectUnauthorized: boolean; ca?: string[]; servername?: string}
  lookup?: LookupFunction
  /** Keep at most this many bytes of the body; the rest is read (the connection stays reusable) and dropped. */
  maxBodyBytes?: number
}

export interface ReadAnswer {
  status: number
  headers: IncomingMessage['headers']
  body: Buffer
  /** Where the answer came from, after redirects. */
  url: string
}

export const MAX_REDIRECTS = 10

/**
 * Headers that belong to the origin they were given for: a redirect to another scheme, host or port
 * (storage, a CDN, https → http) gets none of them. The rule of both paths: this one and got's hook.
 */
export const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'host'] as const

/** Whether a redirect from `from` to `to` must drop ORIGIN_BOUND_HEADERS. */
export function leavesOrigin(from: string | URL, to: string | URL): boolean {
  return new URL(from).origin !== new URL(to).origin
}

/** An error with the code node or got would give it (ETIMEDOUT, ECONNRESET…), for the transport's mapping. */
export class ReadError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: {cause?: unknown},
  ) {
    super(message, options)
    this.name = 'ReadError'
  }
}

/** Send one request; redirects are followed, dropping credentials when they leave the origin. */
export async function readOnce(url: string, options: ReadOptions): Promise<ReadAnswer> {
  let current = new URL(url)
  let {headers} = options
  for (let redirects = 0; ; redirects++) {
    const answer = await send(current, options, headers)
    const location = answer.headers.location
    if (!options.followRedirect || !location || ![301, 302, 303, 307, 308].includes(answer.status)) return answer
    if (redirects >= MAX_REDIRECTS)
      throw new ReadError(`more than ${MAX_REDIRECTS} redirects from ${url}`, 'ERR_TOO_MANY_REDIRECTS')
    const next = new URL(location, current)
    if (leavesOrigin(current, next)) {
      headers = Object.fromEntries(
        Object.entries(headers).filter(([name]) => !(ORIGIN_BOUND_HEADERS as readonly string[]).includes(name)),
      )
    }

    current = next
  }
}

function send(url: URL, options: ReadOptions, headers: Record<string, string>): Promise<ReadAnswer> {
  const secure = url.protocol === 'https:'
  const requestOptions: https.RequestOptions = {
    method: options.method,
    headers,
    agent: secure ? options.agents(url).https : options.agents(url).http,
    ...(options.lookup ? {lookup: options.lookup} : {}),
    ...(secure ? options.tls : {}),
  }
  return new Promise<ReadAnswer>((resolve, reject) => {
    const request = (secure ? https : http).request(url, requestOptions)
    let settled = false
    const fail = (error: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      reject(error)
    }

    // From the moment the request has a socket (a wait for a free one in the pool does not count, as
    // with got) until the answer's headers; then the socket's idle time bounds the body.
    let timer: NodeJS.Timeout | undefined
    request.once('socket', () => {
      if (!settled)
        timer = setTimeout(
          () =>
            fail(
              new ReadError(
                `Timeout awaiting '${options.method} ${url.pathname}' answer for ${options.timeoutMs}ms`,
                'ETIMEDOUT',
              ),
            ),
          options.timeoutMs,
        )
    })
    request.on('error', (error) => fail(error))
    request.on('response', (response) => {
      clearTimeout(timer)
      request.setTimeout(options.timeoutMs, () =>
        fail(
          new ReadError(
            `Timeout reading the answer to '${options.method} ${url.pathname}' for ${options.timeoutMs}ms`,
            'ETIMEDOUT',
          ),
        ),
      )
      const chunks: Buffer[] = []
      let room = options.maxBodyBytes ?? Number.POSITIVE_INFINITY
      response.on('data', (chunk: Buffer) => {
        if (room <= 0) return
        chunks.push(chunk.length <= room ? chunk : chunk.subarray(0, room))
        room -= chunk.length
      })
      response.on('error', (error) => fail(error))
      response.on('end', () => {
        if (settled) return
        if (!response.complete) {
          fail(new ReadError(`the answer to ${options.method} ${url.pathname} was cut short`, 'ECONNRESET'))
          return
        }

        settled = true
        request.setTimeout(0)
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
          url: url.toString(),
        })
      })
      // A connection closed before the body's end emits 'close' without 'end' (or 'end' incomplete).
      response.on('close', () => {
        if (!settled && !response.complete)
          fail(new ReadError(`the answer to ${options.method} ${url.pathname} was cut short`, 'ECONNRESET'))
      })
    })
    request.end()
  })
}
