/**
 * HTTP transport: keep-alive agents, timeouts, and retries with exponential backoff and jitter for
 * idempotent requests. A GET or HEAD is first sent once through node:http (http-read.ts: half got's
 * CPU per request); writes, and every read that attempt could not settle (a network error, a status
 * worth retrying), go through got, loaded on first use, with its retries. It maps network and TLS
 * failures to typed errors and decides the scheme of each registry (HTTPS by default, HTTP only when
 * asked for or, as docker does, for loopback registries that do not speak TLS).
 *
 * No terminal I/O: the optional `debug` sink receives one line per request, never a header value.
 */
import {lookup, type LookupOptions} from 'node:dns'
import {readFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import {rootCertificates} from 'node:tls'

import type {Got, Method, RequestError} from 'got'

import {ExitCode, RegistryCtlError, TlsError, UnreachableError, UsageError} from '../errors.js'
import {leavesOrigin, ORIGIN_BOUND_HEADERS, readOnce, type ReadOptions} from './http-read.js'
import {
  chooseProxy,
  type ProxyServer,
  proxyAgents,
  type ProxyChoice,
  type ProxyEnvironment,
  type ProxyFailure,
} from './proxy.js'
import type {RegistryAddress} from './reference.js'

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | Array<{address: string; family: number}>,
  family?: number,
) => void

export interface TransportOptions {
  /** Skip TLS verification and allow plain HTTP to any host. */
  insecure?: boolean
  /** PEM bundle trusted in addition to the system CAs. */
  caFile?: string
  /** More PEM files trusted in addition (docker's certs.d, $SSL_CERT_FILE). */
  caFiles?: string[]
  /** Per-request timeout for connecting and for the first byte of the answer, in ms. */
  timeoutMs?: number
  /** Retries after the first attempt for idempotent requests. */
  retries?: number
  /** First backoff delay in ms; doubles per attempt, with jitter. */
  retryBaseMs?: number
  /** Longest backoff, and the longest Retry-After honoured (longer ones fail at once), in ms. */
  retryMaxMs?: number
  maxSockets?: number
  /** Statuses that trigger a retry (default 429, 502, 503, 504); smoke tests assert on them instead. */
  retryStatusCodes?: number[]
  /** Network error codes that trigger a retry (default: resets and timeouts). */
  retryErrorCodes?: string[]
  userAgent?: string
  /**
   * Connect to this host instead of the URL's (its address is looked up as usual), keeping the URL's
   * name for the Host header, TLS server name and certificate check: one node of an HA registry,
   * reached as its clients reach the service.
   */
  connectTo?: string
  /** The node as the operator named it (smoke's --hosts), for error lines about connectTo. */
  node?: string
  /** Proxies from the environment (proxy.ts); none: every request goes direct. */
  proxy?: ProxyEnvironment
  debug?: (line: string) => void
}

export interface HttpRequest {
  method?: Method
  headers?: Record<string, string | undefined>
  body?: Buffer | string
  /** Do not follow redirects (smoke tests assert on them). Default: follow. */
  followRedirect?: boolean
  /** Overrides the per-request timeout. */
  timeoutMs?: number
  /** TLS server name and Host header differ from the URL's host (smoke tests against a node). */
  servername?: string
  /**
   * Keep at most this many bytes of a GET's body; the rest is read and dropped (smoke cases look at
   * a prefix, or only at the status, of bodies as large as a node serves).
   */
  maxBodyBytes?: number
}

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  url: string
  /** How many retries it took; a DELETE that answers 404 after a retry may have succeeded before. */
  retryCount: number
}

export const RETRY_STATUS_CODES = [429, 502, 503, 504]
const RETRY_METHODS: Method[] = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']
const RETRY_ERROR_CODES = ['ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'ECONNABORTED']

/** OpenSSL's words for "the other end answered, but not with TLS". */
const NOT_TLS = /wrong version number|packet length too long|unknown protocol|http request/i
const TLS_ERROR = /^(?:CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_TLS_|ERR_SSL_|EPROTO$|HOSTNAME_MISMATCH)/

export function isLoopbackHost(host: string): boolean {
  const hostname = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '')
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
    hostname === '::1'
  )
}

/** Exponential backoff with 50–100 % jitter: clients that failed together do not retry together. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Attempts the read path made before handing a request to got (none when got sent the first). */
function retriedBefore(context: Record<string, unknown> | undefined): number {
  return typeof context?.retried === 'number' ? context.retried : 0
}

/** A Retry-After header (seconds, or an HTTP date) in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined
  if (/^\s*\d+(?:\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Retry-After is seconds or an HTTP date; got gives it in ms (or undefined). */
export function retryDelay(options: {attempt: number; retryAfterMs?: number; baseMs: number; maxMs: number}): number {
  if (options.retryAfterMs !== undefined)
    return options.retryAfterMs > options.maxMs ? 0 : Math.max(1, options.retryAfterMs)
  return backoffDelay(options.attempt, options.baseMs, options.maxMs)
}

/** Where a request went, for error lines: the node it was sent to (smoke), the proxy it went through. */
export interface RequestRoute {
  node?: string
  proxy?: ProxyServer
}

/** The proxy an error is from (its connection failed, or it refused the tunnel), got's wrapping undone. */
function failedProxy(error: Error & ProxyFailure): ProxyServer | undefined {
  return error.proxyFailure ?? (error.cause as (Error & ProxyFailure) | undefined)?.proxyFailure
}

/** The failure of a proxy itself: it names the proxy and the variable it came from, not the registry. */
function describeProxyError(error: Error & {code?: string}, proxy: ProxyServer, url: string): RegistryCtlError {
  const hint = `the proxy comes from ${proxy.variable}; list hosts to reach directly in NO_PROXY`
  switch (error.code ?? '') {
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      return new UnreachableError(`cannot resolve proxy host ${proxy.url.hostname} (${proxy.shown})`, {
        cause: error,
        hint,
      })
    }

    case 'ECONNREFUSED': {
      return new UnreachableError(`connection refused by proxy ${proxy.shown}`, {cause: error, hint})
    }

    case 'EPROXYAUTH': {
      return new UnreachableError(error.message, {
        cause: error,
        hint: `give the proxy's user and password in ${proxy.variable}: http://USER:PASSWORD@proxy:port`,
      })
    }

    default: {
      return new UnreachableError(
        `${error.message.includes(proxy.shown) ? '' : `proxy ${proxy.shown}: `}${error.message} (for ${new URL(url).host})`,
        {cause: error, hint},
      )
    }
  }
}

/**
 * Map a failed request (no HTTP answer) to the typed error that says what went wrong, and what
 * failed: the proxy, the node a request was sent to (as the operator named it, with the address
 * tried), or the registry.
 */
export function describeNetworkError(
  error: Error & {code?: string; address?: string; port?: number},
  url: string,
  route: RequestRoute = {},
): RegistryCtlError {
  const proxy = failedProxy(error)
  if (proxy) return describeProxyError(error, proxy, url)
  const parsed = new URL(url)
  const host = parsed.host
  const code = error.code ?? ''
  const via = route.proxy ? ` via proxy ${route.proxy.shown}` : ''
  // The node: what the operator named, and the address tried when node knows it.
  const node = route.node ? `node ${route.node}` : undefined
  if (TLS_ERROR.test(code) || /certificate|SSL routines|wrong version number/i.test(error.message)) {
    return new TlsError(`TLS failure talking to ${host}${node ? ` on ${node}` : ''}${via}: ${error.message}`, {
      cause: error,
      hint: 'if the registry uses a private CA, pass --ca-file CA.pem (or --insecure to skip verification)',
    })
  }

  // Name the port tried even when the URL left it implicit (443 or 80).
  const port = parsed.port || (parsed.protocol === 'http:' ? '80' : '443')
  const scheme = parsed.protocol.slice(0, -1)
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN': {
      return new UnreachableError(node ? `cannot resolve ${node}` : `cannot resolve registry host ${parsed.hostname}`, {
        cause: error,
      })
    }

    case 'ECONNREFUSED': {
      // got wraps node's error: the address tried is on its cause.
      const {address, port: triedPort} = (error.cause ?? error) as {address?: string; port?: number}
      const tried = address ? `${address.includes(':') ? `[${address}]` : address}:${triedPort ?? port}` : undefined
      return new UnreachableError(
        node
          ? `connection refused by ${node} (${tried ?? port}, ${scheme})`
          : `connection refused by ${parsed.hostname}:${port}${tried && !tried.startsWith(`${parsed.hostname}:`) ? ` (${tried})` : ''} (${scheme})`,
        {cause: error, hint: 'is the registry running, and is the port right?'},
      )
    }

    case 'ETIMEDOUT': {
      return new UnreachableError(`timed out talking to ${node ?? host}${via} (${error.message})`, {
        cause: error,
        hint: 'raise --timeout for slow registries',
      })
    }

    default: {
      return new UnreachableError(`cannot talk to ${node ?? host}${via}: ${error.message}`, {cause: error})
    }
  }
}

const pemBody = (pem: string) => pem.replaceAll(/-----[A-Z ]+-----|\s/g, '')
let knownRoots: Set<string> | undefined

/** The certificates of a PEM bundle that are not among Node's root certificates. */
export function extraCertificates(bundle: string): string[] {
  knownRoots ??= new Set(rootCertificates.map(pemBody))
  const blocks = bundle.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []
  return blocks.filter((block) => !knownRoots!.has(pemBody(block)))
}

export class Transport {
  readonly options: Required<Pick<TransportOptions, 'timeoutMs' | 'retries' | 'retryBaseMs' | 'retryMaxMs'>> &
    TransportOptions
  private client?: Promise<{got: Got; RequestError: typeof RequestError}>
  private readonly agents: ReturnType<ReadOptions['agents']>
  /** The agents through each proxy, by proxy URL (made on first use). */
  private readonly proxied = new Map<string, ReturnType<ReadOptions['agents']>>()
  private readonly agentOptions: http.AgentOptions
  private readonly tls: ReadOptions['tls']
  private readonly lookup?: ReadOptions['lookup']
  private readonly retryStatusCodes: number[]
  private readonly retryErrorCodes: string[]
  private readonly userAgent: string
  /** Requests sent so far (retries not counted), for progress displays and benchmarks. */
  requests = 0
  private readonly schemes = new Map<string, Promise<string>>()

  constructor(options: TransportOptions = {}) {
    this.options = {timeoutMs: 30_000, retries: 4, retryBaseMs: 250, retryMaxMs: 10_000, ...options}
    const {insecure, caFile, caFiles = [], maxSockets = 32, connectTo} = this.options
    let ca: string[] | undefined
    for (const file of [caFile, ...caFiles]) {
      if (!file) continue
      let pem: string
      try {
        pem = readFileSync(file, 'utf8')
      } catch (error) {
        throw new UsageError(
          `cannot read ${file === caFile ? '--ca-file ' : 'CA file '}${file}: ${(error as Error).message}`,
          {cause: error},
        )
      }

      // A system bundle ($SSL_CERT_FILE) mostly repeats Node's own roots: adding only the others keeps
      // the TLS context small (each certificate costs time in every new context).
      const added = file === caFile ? [pem] : extraCertificates(pem)
      if (added.length > 0) ca = [...(ca ?? rootCertificates), ...added]
    }

    const agentOptions = {keepAlive: true, maxSockets, maxFreeSockets: maxSockets}
    this.agentOptions = agentOptions
    this.agents = {http: new http.Agent(agentOptions), https: new https.Agent(agentOptions)}
    this.tls = {rejectUnauthorized: !insecure, ...(ca ? {ca} : {})}
    if (connectTo)
      this.lookup = ((_hostname: string, options: LookupOptions, callback: LookupCallback) =>
        lookup(connectTo.replace(/^\[|\]$/g, ''), options, callback)) as never
    this.retryStatusCodes = options.retryStatusCodes ?? RETRY_STATUS_CODES
    this.retryErrorCodes = options.retryErrorCodes ?? RETRY_ERROR_CODES
    this.userAgent = options.userAgent ?? 'registryctl'
  }

  /** Whether a request to `url` goes through a proxy (curl's rules, proxy.ts), and which. */
  route(url: string | URL): ProxyChoice {
    if (!this.options.proxy) return {direct: 'no proxy variables'}
    return chooseProxy(url, this.options.proxy, this.options.connectTo)
  }

  /** The agents for a URL: the direct pools, or those through its proxy. */
  private agentsFor(url: string | URL): ReturnType<ReadOptions['agents']> {
    const {proxy} = this.route(url)
    if (!proxy) return this.agents
    let agents = this.proxied.get(proxy.url.href)
    if (!agents) {
      agents = proxyAgents(proxy, {
        connectTo: this.options.connectTo,
        timeoutMs: this.options.timeoutMs,
        agentOptions: this.agentOptions,
      })
      this.proxied.set(proxy.url.href, agents)
    }

    return agents
  }

  /** How a request went, for --debug lines: `via PROXY (variable)` or `direct`. */
  private routeNote(url: string): string {
    const {proxy} = this.route(url)
    return proxy ? `via proxy ${proxy.shown}` : 'direct'
  }

  /** Error context: the node (smoke) and the proxy the request went through. */
  private routeOf(url: string): RequestRoute {
    return {node: this.options.node, proxy: this.route(url).proxy}
  }

  /** got, configured once, loaded on the first request the read path does not settle. */
  private gotClient(): Promise<{got: Got; RequestError: typeof RequestError}> {
    this.client ??= import('got').then(({default: got, RequestError}) => {
      const {retryBaseMs, retryMaxMs, timeoutMs} = this.options
      const client = got.extend({
        ...(this.lookup ? {dnsLookup: this.lookup as never} : {}),
        agent: this.agents,
        https: {rejectUnauthorized: this.tls.rejectUnauthorized, certificateAuthority: this.tls.ca},
        throwHttpErrors: false,
        responseType: 'buffer',
        // No Accept-Encoding, so servers answer uncompressed: got's decompression stream costs ~40 %
        // more CPU per request (measured on 500 tag lists), and registry answers are small JSON.
        decompress: false,
        headers: {'user-agent': this.userAgent},
        timeout: {lookup: timeoutMs, connect: timeoutMs, secureConnect: timeoutMs, response: timeoutMs},
        retry: {
          limit: this.options.retries,
          methods: RETRY_METHODS,
          statusCodes: this.retryStatusCodes,
          errorCodes: this.retryErrorCodes,
          enforceRetryRules: true,
          maxRetryAfter: retryMaxMs,
          // Attempts count from the read path's, when it made the first (options.context.retried).
          calculateDelay: ({attemptCount, retryAfter, computedValue, error}) =>
            computedValue === 0
              ? 0
              : retryDelay({
                  attempt: attemptCount + retriedBefore(error.options.context),
                  retryAfterMs: retryAfter,
                  baseMs: retryBaseMs,
                  maxMs: retryMaxMs,
                }),
        },
        // HTTP/1.1 with keep-alive: registries answer small JSON, and http2-wrapper's ALPN negotiation
        // costs more than it saves.
        http2: false,
        hooks: {
          // got drops Authorization and Cookie when a redirect leaves the host or port; the read
          // path's rule also covers the scheme (https → http on the same host would send them in
          // clear text).
          beforeRedirect: [
            (options, response) => {
              // Another host may go through another proxy, or none (NO_PROXY).
              options.agent = this.agentsFor(String(options.url))
              if (!leavesOrigin(response.url, String(options.url))) return
              // A body may carry a secret (an identity token POSTed to a token realm), and got keeps
              // the method and body on every redirect: such a request never leaves its origin.
              if (options.body !== undefined || options.form !== undefined || options.json !== undefined) {
                throw new RegistryCtlError(
                  `${new URL(response.url).host} redirected a ${options.method} with a body to ${new URL(String(options.url)).host}; registryctl sends it to no other host`,
                  ExitCode.REGISTRY,
                )
              }

              for (const name of ORIGIN_BOUND_HEADERS) delete options.headers[name]
            },
          ],
          // A retry hook only when there is someone to tell: got runs every hook of every request.
          beforeRetry: this.options.debug
            ? [
                (error: RequestError, retryCount: number) => {
                  const status = error.response?.statusCode
                  this.options.debug?.(
                    `retry #${retryCount + retriedBefore(error.options.context)} ${error.options.method} ${String(error.options.url)} after ${status ?? error.code}`,
                  )
                },
              ]
            : [],
        },
      })
      return {got: client, RequestError}
    })
    return this.client
  }

  /** Send one request. HTTP error statuses are returned, not thrown; network failures throw typed errors. */
  async request(url: string, request: HttpRequest = {}): Promise<HttpResponse> {
    const method = request.method ?? 'GET'
    // A proxy variable that is not a proxy URL fails here, before any connection.
    this.route(url)
    const started = performance.now()
    this.requests++
    let retried = 0
    if ((method === 'GET' || method === 'HEAD') && request.body === undefined) {
      const attempt = await this.readAttempt(url, method, request)
      if ('response' in attempt) {
        this.options.debug?.(
          `${method} ${url} -> ${attempt.response.status} (${Math.round(performance.now() - started)} ms, ${this.routeNote(url)})`,
        )
        return attempt.response
      }

      // Not settled: the answer asks for a retry, or the connection failed in a way worth retrying.
      this.options.debug?.(`retry #1 ${method} ${url} after ${attempt.reason}`)
      await new Promise((resolve) => setTimeout(resolve, attempt.delayMs))
      retried = 1
    }

    return this.gotRequest(url, method, request, started, retried)
  }

  /**
   * The read path's one attempt: its answer, or why and after how long got should try again. Errors
   * that no retry would mend (refused, unknown host, TLS) are thrown as typed errors at once.
   */
  private async readAttempt(
    url: string,
    method: 'GET' | 'HEAD',
    request: HttpRequest,
  ): Promise<{response: HttpResponse} | {reason: string; delayMs: number}> {
    const {retries, retryBaseMs, retryMaxMs} = this.options
    const headers: Record<string, string> = {'user-agent': this.userAgent}
    for (const [name, value] of Object.entries(request.headers ?? {}))
      if (value !== undefined) headers[name.toLowerCase()] = value
    try {
      const answer = await readOnce(url, {
        method,
        headers,
        followRedirect: request.followRedirect ?? true,
        timeoutMs: request.timeoutMs ?? this.options.timeoutMs,
        agents: (target) => this.agentsFor(target),
        tls: request.servername ? {...this.tls, servername: request.servername} : this.tls,
        lookup: this.lookup,
        maxBodyBytes: request.maxBodyBytes,
      })
      if (retries > 0 && this.retryStatusCodes.includes(answer.status)) {
        const retryAfterMs = parseRetryAfter(headerValue(answer.headers, 'retry-after'))
        // A Retry-After longer than the longest wait gives up at once, as got does.
        if (retryAfterMs === undefined || retryAfterMs <= retryMaxMs) {
          return {
            reason: String(answer.status),
            delayMs: retryDelay({attempt: 1, retryAfterMs, baseMs: retryBaseMs, maxMs: retryMaxMs}),
          }
        }
      }

      return {response: {...answer, retryCount: 0}}
    } catch (error) {
      // Ours (a redirect's proxy variable unusable): reported as it is.
      if (error instanceof RegistryCtlError) throw error
      const code = (error as NodeJS.ErrnoException).code ?? ''
      if (retries > 0 && this.retryErrorCodes.includes(code))
        return {reason: code, delayMs: backoffDelay(1, retryBaseMs, retryMaxMs)}
      this.options.debug?.(`${method} ${url} -> ${code || 'error'} (${this.routeNote(url)})`)
      throw describeNetworkError(error as Error & {code?: string}, url, this.routeOf(url))
    }
  }

  private async gotRequest(
    url: string,
    method: Method,
    request: HttpRequest,
    started: number,
    retried: number,
  ): Promise<HttpResponse> {
    const {got, RequestError} = await this.gotClient()
    try {
      const headers = {...request.headers}
      const response = await got(url, {
        method,
        headers,
        body: request.body,
        agent: this.agentsFor(url),
        followRedirect: request.followRedirect ?? true,
        ...(retried > 0 ? {retry: {limit: this.options.retries - retried}, context: {retried}} : {}),
        ...(request.timeoutMs === undefined
          ? {}
          : {
              timeout: {
                lookup: request.timeoutMs,
                connect: request.timeoutMs,
                secureConnect: request.timeoutMs,
                response: request.timeoutMs,
              },
            }),
        ...(request.servername ? {https: {serverName: request.servername}} : {}),
      })
      this.options.debug?.(
        `${method} ${url} -> ${response.statusCode} (${Math.round(performance.now() - started)} ms, ${this.routeNote(url)})`,
      )
      return {
        status: response.statusCode,
        headers: response.headers,
        body: response.rawBody ?? Buffer.alloc(0),
        url: response.url,
        retryCount: response.retryCount + retried,
      }
    } catch (error) {
      this.options.debug?.(
        `${method} ${url} -> ${(error as RequestError).code ?? 'error'} (${Math.round(performance.now() - started)} ms, ${this.routeNote(url)})`,
      )
      // Our own refusals (a hook's) come wrapped by got: they are ours to report as they are.
      if (error instanceof RequestError && error.cause instanceof RegistryCtlError) throw error.cause
      if (error instanceof RequestError) throw describeNetworkError(error, url, this.routeOf(url))
      throw error
    }
  }

  /**
   * The base URL (`https://host` or `http://host`) for a registry. An explicit scheme wins; otherwise
   * HTTPS, and, for loopback hosts or with --insecure, plain HTTP when the host does not speak TLS.
   * Decided once per host with a GET /v2/ (which docker also sends first), then cached.
   */
  async baseUrl(address: RegistryAddress): Promise<string> {
    if (address.scheme === 'http' && !this.options.insecure && !isLoopbackHost(address.host)) {
      // Plain HTTP to a remote host is allowed when written explicitly; credentials are guarded in auth.
      return `http://${address.host}`
    }

    if (address.scheme) return `${address.scheme}://${address.host}`
    let decided = this.schemes.get(address.host)
    if (!decided) {
      decided = this.decideScheme(address.host)
      this.schemes.set(address.host, decided)
      decided.catch(() => this.schemes.delete(address.host))
    }

    return decided
  }

  /** The base URL of a loopback or --insecure host found not to speak TLS. */
  private plainHttp(host: string): string {
    this.options.debug?.(`${host} does not speak TLS; falling back to plain HTTP (loopback or --insecure)`)
    return `http://${host}`
  }

  private async decideScheme(host: string): Promise<string> {
    const httpsBase = `https://${host}`
    if (!this.options.insecure && !isLoopbackHost(host)) return httpsBase
    try {
      // Does it speak TLS at all? No certificate is checked by this probe (every later request checks
      // it, on a connection pool of its own), so a plain-HTTP sandbox costs no CA store: ~50 ms.
      this.requests++
      await readOnce(`${httpsBase}/v2/`, {
        method: 'GET',
        headers: {'user-agent': this.userAgent},
        followRedirect: false,
        timeoutMs: this.options.timeoutMs,
        agents: (target) => this.agentsFor(target),
        tls: {rejectUnauthorized: false, ca: []},
        lookup: this.lookup,
      })
      return httpsBase
    } catch (error) {
      if (NOT_TLS.test((error as Error).message)) {
        return this.plainHttp(host)
      }
    }

    // The probe could not tell (refused, reset, timed out): ask as every request asks, with retries
    // and typed errors.
    try {
      await this.request(`${httpsBase}/v2/`, {method: 'GET'})
      return httpsBase
    } catch (error) {
      // Only a server that does not speak TLS at all gets plain HTTP; one that speaks TLS with a
      // certificate we do not trust stays a TLS error (with its --ca-file hint).
      if (
        error instanceof RegistryCtlError &&
        error.exitCode === ExitCode.TLS &&
        NOT_TLS.test(String((error.cause as Error | undefined)?.message))
      ) {
        return this.plainHttp(host)
      }

      throw error
    }
  }
}

/** First value of a header that may repeat. */
export function headerValue(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}
