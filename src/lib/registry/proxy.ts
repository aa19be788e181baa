/**
 * Proxies from the environment, by curl's rules, and the agents that go through them.
 *
 * Which variable (curl's order): an https URL uses `https_proxy`, then `HTTPS_PROXY`; an http URL uses
 * `http_proxy` only (curl ignores uppercase HTTP_PROXY: in CGI environments a request's `Proxy:` header
 * becomes HTTP_PROXY, "httpoxy"); both then fall back to `all_proxy`, then `ALL_PROXY`. An empty value
 * is unset. A proxy URL without a scheme is http://, without a port :1080 (curl's default).
 *
 * `no_proxy` (then `NO_PROXY`): names separated by commas or spaces; `*` bypasses every host; a name
 * matches itself and every name below it (`example.com` and `.example.com` both match
 * `www.example.com`, neither matches `notexample.com`), case-insensitively; an IP address matches
 * itself, or a network in CIDR notation (`10.0.0.0/8`, `fd00::/8`); IPv6 with or without brackets.
 * Beyond curl, `NAME:PORT` (`[::1]:5000`) matches that port only. curl has no implicit exception for
 * localhost, and neither has registryctl: add it to NO_PROXY.
 *
 * Agents: https targets go through a CONNECT tunnel; http targets are sent in absolute form
 * (`GET http://host/path`), or tunnelled too when the connection goes to a node other than the URL's
 * host (smoke's --hosts: the Host header must reach the node intact). Both keep connections alive in
 * the usual pools. Proxy credentials come from the URL's userinfo and go to the proxy only
 * (Proxy-Authorization); a proxy URL is only ever shown masked.
 */
import http from 'node:http'
import https from 'node:https'
import {BlockList, connect as netConnect, isIP, type Socket} from 'node:net'
import type {Duplex} from 'node:stream'

import {UsageError} from '../errors.js'

export interface ProxyServer {
  /** The proxy's URL, credentials included (never to be printed: see `shown`). */
  url: URL
  /** The variable it came from: `https_proxy`, `ALL_PROXY`… */
  variable: string
  /** `http://user:***@proxy:3128 (https_proxy)`: the password masked. */
  shown: string
}

/** The proxy variables that apply, read once. */
export interface ProxyEnvironment {
  /** A variable that is set but not a usable proxy URL is an error once a request would use it. */
  https?: ProxyServer | UsageError
  http?: ProxyServer | UsageError
  noProxy?: {value: string; variable: string}
  /** Set variables that are not honoured, to say so (`HTTP_PROXY`). */
  ignored: string[]
}

/** Either the proxy a request goes through, or why it goes direct. */
export type ProxyChoice = {proxy: ProxyServer} | {proxy?: undefined; direct: string}

const first = (env: NodeJS.ProcessEnv, names: string[]): {value: string; variable: string} | undefined => {
  for (const variable of names) {
    const value = env[variable]?.trim()
    if (value) return {value, variable}
  }

  return undefined
}

/** `http://user:secret@proxy:3128/` → `http://user:***@proxy:3128`. */
export function maskProxyUrl(url: URL): string {
  const userinfo = url.username ? `${url.username}${url.password ? ':***' : ''}@` : ''
  return `${url.protocol}//${userinfo}${url.host}`
}

/** A proxy variable's value as a URL; anything but an http:// proxy is a usage error naming the variable. */
export function parseProxy(value: string, variable: string): ProxyServer {
  let url: URL
  try {
    url = new URL(/^[a-z][\w+.-]*:\/\//i.test(value) ? value : `http://${value}`)
  } catch (error) {
    // The value may hold a password: the message names the variable, not the value.
    throw new UsageError(`${variable} is not a proxy URL`, {cause: error, hint: 'e.g. http://proxy.example:3128'})
  }

  if (url.protocol !== 'http:')
    throw new UsageError(`${variable}: registryctl talks to http:// proxies only, not ${url.protocol}//`)
  if (!url.port) url.port = '1080'
  return {url, variable, shown: `${maskProxyUrl(url)} (${variable})`}
}

const parsed = (found: {value: string; variable: string} | undefined): ProxyServer | UsageError | undefined => {
  if (!found) return undefined
  try {
    return parseProxy(found.value, found.variable)
  } catch (error) {
    if (error instanceof UsageError) return error
    throw error
  }
}

/** Read the proxy variables (curl's names and order). */
export function proxyEnvironment(env: NodeJS.ProcessEnv = process.env): ProxyEnvironment {
  const all = ['all_proxy', 'ALL_PROXY']
  const https = first(env, ['https_proxy', 'HTTPS_PROXY', ...all])
  const http = first(env, ['http_proxy', ...all])
  const noProxy = first(env, ['no_proxy', 'NO_PROXY'])
  const ignored = env.HTTP_PROXY?.trim() && !env.http_proxy?.trim() ? ['HTTP_PROXY'] : []
  return {
    https: parsed(https),
    http: parsed(http),
    noProxy,
    ignored,
  }
}

const unbracket = (host: string) => host.replace(/^\[(.*)\]$/, '$1')

/** One NO_PROXY entry: `name`, `.name`, `name:port`, `ip`, `ip/bits`, `[v6]:port`, `*`. */
function parseEntry(entry: string): {host: string; port?: string; network?: BlockList} {
  let host = entry
  let port: string | undefined
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry)
  const withPort = /^([^:]+):(\d+)$/.exec(entry)
  if (bracketed) [, host = entry, port] = bracketed
  else if (withPort) [, host = entry, port] = withPort
  const cidr = /^(.+)\/(\d{1,3})$/.exec(host)
  if (cidr && isIP(cidr[1]!)) {
    const network = new BlockList()
    const family = isIP(cidr[1]!) === 6 ? 'ipv6' : 'ipv4'
    const bits = Number(cidr[2])
    if (bits <= (family === 'ipv6' ? 128 : 32)) network.addSubnet(cidr[1]!, bits, family)
    return {host: cidr[1]!, port, network}
  }

  return {host: host.replace(/^\./, '').replace(/\.$/, '').toLowerCase(), port}
}

/**
 * Whether NO_PROXY's `list` exempts `host` (a URL's hostname, brackets allowed) on `port` from the
 * proxy. See the module comment for the rules.
 */
export function noProxyMatches(list: string, host: string, port: string): boolean {
  const name = unbracket(host).replace(/\.$/, '').toLowerCase()
  const family = isIP(name)
  for (const entry of list.split(/[\s,]+/).filter(Boolean)) {
    if (entry === '*') return true
    const rule = parseEntry(entry)
    if (rule.port !== undefined && rule.port !== port) continue
    if (rule.network) {
      if (family && rule.network.check(name, family === 6 ? 'ipv6' : 'ipv4')) return true
      continue
    }

    if (!rule.host) continue
    if (family) {
      // An address matches only itself (written either way for IPv6), never as a "suffix".
      if (isIP(rule.host) === family && sameAddress(rule.host, name, family)) return true
    } else if (name === rule.host || name.endsWith(`.${rule.host}`)) {
      return true
    }
  }

  return false
}

/** `::0001` and `::1` are one address: compared through a BlockList of one. */
function sameAddress(rule: string, address: string, family: number): boolean {
  const type = family === 6 ? 'ipv6' : 'ipv4'
  const list = new BlockList()
  list.addAddress(rule, type)
  return list.check(address, type)
}

/** The default port of a URL's scheme, for NO_PROXY's `name:port` entries. */
const portOf = (url: URL) => url.port || (url.protocol === 'http:' ? '80' : '443')

/**
 * The proxy for a request to `url`, or why it goes direct. `connectHost` is where the connection
 * really goes when it is not the URL's host (smoke's --hosts): NO_PROXY is matched against it.
 */
export function chooseProxy(url: string | URL, environment: ProxyEnvironment, connectHost?: string): ProxyChoice {
  const target = new URL(url)
  const proxy = target.protocol === 'https:' ? environment.https : environment.http
  if (!proxy) return {direct: `no ${target.protocol === 'https:' ? 'https_proxy' : 'http_proxy'} set`}
  const host = connectHost ?? target.hostname
  if (environment.noProxy && noProxyMatches(environment.noProxy.value, host, portOf(target)))
    return {direct: `${environment.noProxy.variable} matches ${unbracket(host)}`}
  if (proxy instanceof UsageError) throw proxy
  return {proxy}
}

/** Marks an error as the proxy's (its connection failed, or it refused the tunnel), for error lines. */
export interface ProxyFailure {
  proxyFailure?: ProxyServer
}

/** The Proxy-Authorization header for a proxy URL with credentials. */
function proxyAuthorization(proxy: ProxyServer): Record<string, string> {
  if (!proxy.url.username) return {}
  const user = decodeURIComponent(proxy.url.username)
  const password = decodeURIComponent(proxy.url.password)
  return {'proxy-authorization': `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`}
}

/** A TCP connection to the proxy; its errors are marked as the proxy's. */
function connectToProxy(proxy: ProxyServer): Socket {
  const socket = netConnect({host: unbracket(proxy.url.hostname), port: Number(proxy.url.port)})
  const mark = (error: Error & ProxyFailure) => (error.proxyFailure = proxy)
  socket.once('error', mark)
  socket.once('connect', () => socket.off('error', mark))
  return socket
}

/** An error from the proxy itself, with the code node would give the same failure. */
class ProxyTunnelError extends Error implements ProxyFailure {
  constructor(
    message: string,
    readonly code: string,
    readonly proxyFailure: ProxyServer,
  ) {
    super(message)
    this.name = 'ProxyTunnelError'
  }
}

type Callback = (error: Error | null, stream: Duplex) => void

/** A failed connection, for node's callback (which declares a stream it then ignores). */
const failed = (error: Error | null | undefined) => [error ?? new Error('no tunnel'), undefined as never] as const

/**
 * Open a CONNECT tunnel to `host:port` through the proxy. A proxy that does not answer within
 * `timeoutMs` fails with ETIMEDOUT; one that answers anything but 2xx fails with the proxy named.
 */
function openTunnel(
  proxy: ProxyServer,
  host: string,
  port: number,
  timeoutMs: number,
  callback: (error: Error | null, socket?: Socket) => void,
) {
  const authority = `${isIP(unbracket(host)) === 6 ? `[${unbracket(host)}]` : host}:${port}`
  const request = http.request({
    method: 'CONNECT',
    path: authority,
    headers: {host: authority, ...proxyAuthorization(proxy)},
    // No agent: node then uses createConnection (with `agent: false` it would not).
    createConnection: () => connectToProxy(proxy),
  })
  let done = false
  const finish = (error: Error | null, socket?: Socket) => {
    if (done) return
    done = true
    clearTimeout(timer)
    callback(error, socket)
  }

  const timer = setTimeout(() => {
    request.destroy()
    finish(
      new ProxyTunnelError(
        `proxy ${proxy.shown} did not open a tunnel to ${authority} within ${timeoutMs}ms`,
        'ETIMEDOUT',
        proxy,
      ),
    )
  }, timeoutMs)
  request.once('connect', (response, socket, head) => {
    if (response.statusCode !== 200) {
      socket.destroy()
      const code = response.statusCode === 407 ? 'EPROXYAUTH' : 'EPROXYREFUSED'
      finish(
        new ProxyTunnelError(
          `proxy ${proxy.shown} answered ${response.statusCode} ${response.statusMessage ?? ''} to CONNECT ${authority}`.trimEnd(),
          code,
          proxy,
        ),
      )
      return
    }

    if (head.length > 0) socket.unshift(head)
    finish(null, socket)
  })
  request.once('error', (error) => finish(error))
  request.end()
}

/** Where a tunnel goes: the node the transport connects to, else the URL's host. */
interface TunnelTarget {
  proxy: ProxyServer
  /** Connect to this host instead of the request's (smoke's node). */
  connectTo?: string
  timeoutMs: number
}

/** https through a CONNECT tunnel; TLS (server name, CAs, session reuse) as https.Agent does it. */
export class HttpsTunnelAgent extends https.Agent {
  constructor(
    private readonly target: TunnelTarget,
    options: https.AgentOptions,
  ) {
    super(options)
  }

  override createConnection(
    options: https.RequestOptions & {host?: string; port?: number},
    callback?: Callback,
  ): Duplex | undefined {
    const host = this.target.connectTo ?? String(options.host)
    openTunnel(this.target.proxy, host, Number(options.port ?? 443), this.target.timeoutMs, (error, socket) => {
      if (error || !socket) return callback?.(...failed(error))
      // https.Agent's own createConnection, on the tunnel: servername and session cache as usual.
      const parent = https.Agent.prototype as unknown as {createConnection(options: object): Duplex}
      callback?.(null, parent.createConnection.call(this, {...options, socket}))
    })
    return undefined
  }
}

/** Plain http through a CONNECT tunnel (for requests that must reach a given node with their Host header). */
export class HttpTunnelAgent extends http.Agent {
  constructor(
    private readonly target: TunnelTarget,
    options: http.AgentOptions,
  ) {
    super(options)
  }

  override createConnection(options: http.ClientRequestArgs, callback?: Callback): Duplex | undefined {
    const host = this.target.connectTo ?? String(options.host)
    openTunnel(this.target.proxy, host, Number(options.port ?? 80), this.target.timeoutMs, (error, socket) =>
      error || !socket ? callback?.(...failed(error)) : callback?.(null, socket),
    )
    return undefined
  }
}

/** Plain http in absolute form (`GET http://host:port/path`) to the proxy, which forwards it. */
export class HttpForwardAgent extends http.Agent {
  constructor(
    private readonly proxy: ProxyServer,
    options: http.AgentOptions,
  ) {
    super(options)
  }

  addRequest(request: http.ClientRequest, options: http.ClientRequestArgs): void {
    // The request line is written later (on end()): the path can still become absolute here.
    const host = String(options.host)
    const authority = `${isIP(unbracket(host)) === 6 ? `[${unbracket(host)}]` : host}:${options.port ?? 80}`
    request.path = `http://${authority}${request.path}`
    for (const [name, value] of Object.entries(proxyAuthorization(this.proxy))) request.setHeader(name, value)
    ;(http.Agent.prototype as unknown as {addRequest(r: unknown, o: unknown): void}).addRequest.call(
      this,
      request,
      options,
    )
  }

  override createConnection(): Duplex {
    return connectToProxy(this.proxy)
  }
}

/** The agents a request through `proxy` uses, one pair per proxy (their pools are kept alive). */
export function proxyAgents(
  proxy: ProxyServer,
  options: {connectTo?: string; timeoutMs: number; agentOptions: http.AgentOptions},
): {http: http.Agent; https: https.Agent} {
  const target = {proxy, connectTo: options.connectTo, timeoutMs: options.timeoutMs}
  return {
    http: options.connectTo
      ? new HttpTunnelAgent(target, options.agentOptions)
      : new HttpForwardAgent(proxy, options.agentOptions),
    https: new HttpsTunnelAgent(target, options.agentOptions),
  }
}
