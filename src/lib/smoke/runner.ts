/**
 * Runs httpbb test cases against chosen hosts: each request goes to the host from --hosts, carrying
 * the suite's NAME as Host header and TLS server name, so every node of an HA registry is checked
 * as the load balancer would reach it. Redirects are not followed. Hosts run in parallel (bounded);
 * the cases of one host run in order.
 */
import pLimit from 'p-limit'

import {ExitCode, type ExitCodeValue, isRegistryCtlError} from '../errors.js'
import {registryKeyOf} from '../registry/connection.js'
import {type HttpResponse, Transport, type TransportOptions} from '../registry/transport.js'
import {printable} from '../text.js'
import {splitHost} from './hosts.js'
import type {TestCase} from './suite.js'

export interface CaseResult {
  file: string
  line: number
  /** The URL asked for (scheme://NAME:port/path); the connection went to `via`. */
  url: string
  /** The host the request was sent to. */
  via: string
  /** Time to the whole answer (retries included), in ms. */
  durationMs?: number
  /** Empty when the case passed. */
  failures: Array<{assertion: string; expected: string; actual: string}>
  /** The request itself failed (connection, TLS, timeout). */
  error?: string
  /** That failure's exit code: 3 for the network, 4 for TLS. */
  errorExitCode?: number
}

export interface HostResult {
  host: string
  passed: number
  failed: number
  cases: CaseResult[]
  /** No request reached the host at all. */
  unreachable: boolean
}

export interface SmokeOptions {
  /**
   * How to reach a registry (`host[:port]` of a case's URL: the service name): its CA files, proxy,
   * timeout… (the CLI's one connection setup). Default: direct, system CAs.
   */
  connection?: (registry: string) => TransportOptions
  httpsPort?: number
  httpPort?: number
  /** Overrides the connection's timeout (default 10 s when neither gives one). */
  timeoutMs?: number
  retryOnTimeout?: boolean
  /** Hosts checked at once. */
  concurrency?: number
}

function hostnameOf(name: string): string {
  return name.startsWith('[') ? name.slice(1, name.indexOf(']')) : name.replace(/:\d+$/, '')
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** A case's body is examined up to this size; the rest is read and dropped (a node may serve gigabytes). */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024

const assertsOnBody = (testCase: TestCase) =>
  testCase.assertBodyContains !== undefined || testCase.assertBodyRegex !== undefined

/** A body quoted in a failure: its start, printable (a body is the server's, and may be binary). */
const truncate = (text: string, length = 200) => printable(text.length > length ? `${text.slice(0, length)}…` : text)

/** Milliseconds since `started` (performance.now()), to a tenth. */
const msSince = (started: number) => Math.round((performance.now() - started) * 10) / 10

/** A header's value, repeated ones joined as HTTP joins them. */
function headerOf(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()]
  return Array.isArray(value) ? value.join(', ') : value
}

/** Check one answer against a case's assertions; every failed assertion is listed. */
export function checkResponse(
  testCase: TestCase,
  response: Pick<HttpResponse, 'status' | 'headers' | 'body'>,
): CaseResult['failures'] {
  const failures: CaseResult['failures'] = []
  if (testCase.assertStatus !== undefined && response.status !== testCase.assertStatus) {
    failures.push({
      assertion: 'assert_status',
      expected: String(testCase.assertStatus),
      actual: String(response.status),
    })
  }

  if (testCase.assertStatusOneOf && !testCase.assertStatusOneOf.includes(response.status)) {
    failures.push({
      assertion: 'assert_status',
      expected: testCase.assertStatusOneOf.join(' or '),
      actual: String(response.status),
    })
  }

  if (testCase.assertHeaders) {
    for (const [name, expected] of Object.entries(testCase.assertHeaders)) {
      const actual = headerOf(response.headers, name)
      if (actual !== expected)
        failures.push({assertion: `assert_headers ${name}`, expected, actual: actual ?? '(absent)'})
    }
  }

  if (testCase.assertHeadersRegex) {
    for (const [name, pattern] of Object.entries(testCase.assertHeadersRegex)) {
      const actual = headerOf(response.headers, name)
      if (actual === undefined || !pattern.test(actual))
        failures.push({
          assertion: `assert_headers_regex ${name}`,
          expected: `/${pattern.source}/`,
          actual: actual ?? '(absent)',
        })
    }
  }

  for (const name of testCase.assertHeadersAbsent ?? []) {
    const actual = headerOf(response.headers, name)
    if (actual !== undefined) failures.push({assertion: `assert_headers_absent ${name}`, expected: '(absent)', actual})
  }

  // The body is decoded only for a case that looks at it.
  if (!assertsOnBody(testCase)) return failures
  const body = response.body.toString('utf8')
  if (testCase.assertBodyContains !== undefined && !body.includes(testCase.assertBodyContains)) {
    failures.push({assertion: 'assert_body_contains', expected: testCase.assertBodyContains, actual: truncate(body)})
  }

  if (testCase.assertBodyRegex && !testCase.assertBodyRegex.test(body)) {
    failures.push({
      assertion: 'assert_body_regex',
      expected: `/${testCase.assertBodyRegex.source}/`,
      actual: truncate(body),
    })
  }

  return failures
}

/** Called with each answer, and a way to send a follow-up request to the same node. */
export type CleanUp = (
  response: HttpResponse,
  send: (url: string, method: 'DELETE') => Promise<unknown>,
) => Promise<unknown>

export class SmokeRunner {
  private readonly transports = new Map<string, Transport>()
  /** `scheme://NAME:PORT` per scheme, suite NAME and host: the same for every case of a suite. */
  private readonly origins = new Map<string, string>()

  constructor(private readonly options: SmokeOptions = {}) {}

  /**
   * The options of a transport that reaches `registry` (a URL's host[:port]) on one node: the
   * registry's connection, sent to the node as named in --hosts, with smoke's own retry rules.
   */
  nodeConnection(registry: string, host: string): TransportOptions {
    const connection = this.options.connection?.(registry) ?? {}
    return {
      ...connection,
      timeoutMs: this.options.timeoutMs ?? connection.timeoutMs ?? 10_000,
      connectTo: splitHost(host).hostname,
      node: host,
      // httpbb's --retry_on_timeout: one more try after a timeout, and nothing else retried.
      retries: this.options.retryOnTimeout ? 1 : 0,
      retryStatusCodes: [],
      retryErrorCodes: ['ETIMEDOUT'],
    }
  }

  /** One transport per host and registry: it connects to the host, whatever name the URL carries. */
  private transport(url: string, host: string): Transport {
    const registry = registryKeyOf(url)
    const key = `${host} ${registry}`
    let transport = this.transports.get(key)
    if (!transport) {
      transport = new Transport(this.nodeConnection(registry, host))
      this.transports.set(key, transport)
    }

    return transport
  }

  /**
   * The URL carries the suite's NAME (Host header, TLS server name); the connection goes to the host,
   * on the host's own port if it has one, else on the scheme's port.
   */
  url(testCase: Pick<TestCase, 'scheme' | 'name' | 'path'>, host: string): string {
    const key = `${testCase.scheme} ${testCase.name} ${host}`
    let origin = this.origins.get(key)
    if (origin === undefined) {
      const port =
        splitHost(host).port ??
        (testCase.scheme === 'https' ? (this.options.httpsPort ?? 443) : (this.options.httpPort ?? 80))
      origin = `${testCase.scheme}://${formatHost(hostnameOf(testCase.name))}:${port}`
      this.origins.set(key, origin)
    }

    return `${origin}${testCase.path}`
  }

  /**
   * Run one case against one host. `cleanUp` receives the answer and a way to send a follow-up
   * request to the same host (the registry suite cancels the upload its write probe opened).
   */
  async runCase(testCase: TestCase, host: string, cleanUp?: CleanUp): Promise<CaseResult> {
    const url = this.url(testCase, host)
    const headers: Record<string, string> = {host: testCase.name, ...testCase.requestHeaders}
    let body: string | undefined
    if (testCase.jsonBody !== undefined) {
      body = JSON.stringify(testCase.jsonBody)
      headers['content-type'] ??= 'application/json'
    }

    const base = {file: testCase.file, line: testCase.line, url, via: host}
    const started = performance.now()
    try {
      const transport = this.transport(url, host)
      const response = await transport.request(url, {
        method: (testCase.jsonBody !== undefined && testCase.method === 'GET' ? 'POST' : testCase.method) as never,
        headers,
        body,
        followRedirect: false,
        // Only a case that asserts on the body keeps any of it.
        maxBodyBytes: assertsOnBody(testCase) ? BODY_LIMIT_BYTES : 0,
      })
      const durationMs = msSince(started)
      const failures = checkResponse(testCase, response)
      if (cleanUp) {
        // The follow-up goes to the same node and port whatever host a Location names: the registry
        // builds it from the Host header, which carries the service name, not the node.
        const sameNode = (followUp: string) => {
          const target = new URL(followUp, url)
          return new URL(`${target.pathname}${target.search}`, url).toString()
        }

        await cleanUp(response, (followUp, method) =>
          transport.request(sameNode(followUp), {method, headers: {host: testCase.name}, followRedirect: false}),
        )
      }

      return {...base, durationMs, failures}
    } catch (error) {
      if (!isRegistryCtlError(error)) throw error
      return {...base, durationMs: msSince(started), failures: [], error: error.message, errorExitCode: error.exitCode}
    }
  }

  async runHost(cases: TestCase[], host: string, cleanUp?: CleanUp): Promise<HostResult> {
    const results: CaseResult[] = []

    for (const testCase of cases) results.push(await this.runCase(testCase, host, cleanUp))
    return summarize(host, results)
  }

  async run(cases: TestCase[], hosts: string[]): Promise<HostResult[]> {
    const limit = pLimit(this.options.concurrency ?? 8)
    return Promise.all(hosts.map((host) => limit(() => this.runHost(cases, host))))
  }
}

export function summarize(host: string, results: CaseResult[]): HostResult {
  const failed = results.filter((result) => result.error || result.failures.length > 0).length
  return {
    host,
    passed: results.length - failed,
    failed,
    cases: results,
    unreachable: results.length > 0 && results.every((result) => result.error !== undefined),
  }
}

/**
 * The exit code of a run: a host that could not be reached at all wins (4 when TLS was the reason,
 * else 3), then 1 for a failed assertion or a request that failed on an otherwise reachable host.
 */
export function smokeExitCode(results: HostResult[]): ExitCodeValue {
  const unreachable = results.filter((host) => host.unreachable)
  if (unreachable.length > 0) {
    const tls = unreachable.every((host) => host.cases.every((result) => result.errorExitCode === ExitCode.TLS))
    return tls ? ExitCode.TLS : ExitCode.UNREACHABLE
  }

  return results.some((host) => host.failed > 0) ? ExitCode.CHECK_FAILED : ExitCode.OK
}
