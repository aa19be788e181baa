/**
 * The registry client: the distribution API's read and write calls for one registry, with auth
 * answered transparently, every request bounded by the session's concurrency limit, and the
 * registry's error JSON turned into typed errors.
 */
import pLimit, {type LimitFunction} from 'p-limit'

import {type Challenge, challengeRealm, parseChallenges} from './auth/challenge.js'
import {Authenticator, type AuthOptions} from './auth/authenticator.js'
import type {ContentCache} from './cache.js'
import {
  CorruptAnswerError,
  DeniedError,
  ExitCode,
  InterruptedError,
  NotFoundError,
  ProtocolError,
  type RegistryErrorEntry,
  ServerError,
  UnauthorizedError,
  UnsupportedError,
} from '../errors.js'
import {
  type Descriptor,
  MANIFEST_ACCEPT,
  type Manifest,
  parseManifest,
  sha256Digest,
  verifyDigest,
  digestWithAlgorithmOf,
} from './manifests.js'
import {collectPages, nextPageUrl} from './pagination.js'
import {formatReference, isDigest, isValidName, isValidTag, type RegistryAddress} from './reference.js'
import {printable} from '../text.js'
import {headerValue, type HttpRequest, type HttpResponse, Transport, type TransportOptions} from './transport.js'

export interface SessionOptions extends TransportOptions, AuthOptions {
  /** Requests in flight at once, across everything the session does. */
  concurrency?: number
  /** Where manifests and configs fetched by digest are kept between runs (none by default). */
  cache?: ContentCache
}

/**
 * What several clients share: the connection pool, credentials and tokens, and one concurrency
 * limit. The limit is applied per HTTP request, not per task, so nested fan-out cannot deadlock.
 */
export class Session {
  readonly transport: Transport
  readonly auth: Authenticator
  readonly limit: LimitFunction
  readonly cache?: ContentCache

  constructor(readonly options: SessionOptions = {}) {
    this.cache = options.cache
    this.transport = new Transport({...options, maxSockets: options.maxSockets ?? options.concurrency ?? 8})
    this.auth = new Authenticator(this.transport, options)
    this.limit = pLimit(options.concurrency ?? 8)
  }

  client(address: RegistryAddress): RegistryClient {
    return new RegistryClient(address, this)
  }
}

export interface ManifestResult {
  descriptor: Descriptor
  manifest: Manifest
  raw: Buffer
}

export const CATALOG_PAGE_SIZE = 1000

const pullScope = (name: string) => `repository:${name}:pull`
const pushScope = (name: string) => `repository:${name}:pull,push`
const deleteScope = (name: string) => `repository:${name}:pull,delete`
const CATALOG_SCOPE = 'registry:catalog:*'

function errorEntries(response: HttpResponse): RegistryErrorEntry[] {
  const contentType = headerValue(response.headers, 'content-type') ?? ''
  if (response.body.length === 0 || !/json/.test(contentType)) return []
  try {
    const parsed = JSON.parse(response.body.toString('utf8')) as {errors?: RegistryErrorEntry[]}
    if (!Array.isArray(parsed.errors)) return []
    // The registry's own words end up in error lines: never with control characters.
    return parsed.errors
      .filter((entry) => typeof entry?.code === 'string')
      .map((entry) => ({
        ...entry,
        code: printable(entry.code),
        ...(typeof entry.message === 'string' ? {message: printable(entry.message)} : {}),
      }))
  } catch {
    return []
  }
}

/** What the request was about, for error lines: "manifest host/name:tag", "catalog of host". */
export interface Subject {
  what: string
  /** The operation, to word 405s: deletes disabled vs. read-only mode. */
  operation?: 'read' | 'write' | 'delete'
}

/**
 * Every 401 names what refused: the path asked for and the realm of the challenge (nginx's
 * per-realm passwords: `docker-registry restricted (restricted-read)`), whether no credentials were
 * found or stored ones (docker's config.json, --username) were rejected: one construction for both.
 */
function refusal(error: unknown, challenges: Challenge[], url: string): unknown {
  if (!(error instanceof UnauthorizedError)) return error
  const realm = challengeRealm(challenges)
  const path = new URL(url).pathname
  return new UnauthorizedError(
    `${error.message} (for ${path}${realm ? `, realm "${realm}"` : ''})`,
    ExitCode.UNAUTHORIZED,
    {status: error.status, codes: error.codes, url: error.url, realm},
    {cause: error, hint: error.hint},
  )
}

/**
 * A path, or an absolute URL the registry handed back (a listing's Link, an upload's Location), on
 * the registry the operator named. Distribution builds those URLs from its own idea of its name
 * (http.host, or the Host it was asked with), which behind a proxy can be a host nobody named: they
 * are followed on the named registry's origin, with their path and query, and the registry's
 * credentials never go anywhere else.
 */
export function onRegistry(base: string, pathOrUrl: string): string {
  if (pathOrUrl.startsWith('/')) return `${base}${pathOrUrl}`
  const target = new URL(pathOrUrl)
  return target.origin === new URL(base).origin ? pathOrUrl : `${base}${target.pathname}${target.search}`
}

export class RegistryClient {
  private base?: Promise<string>
  /** Delete probes sent early (startDeleteProbe), by repository: each outcome, an error or undefined. */
  private readonly earlyDeleteProbes = new Map<string, Promise<unknown>>()

  constructor(
    readonly address: RegistryAddress,
    readonly session: Session,
  ) {}

  get host(): string {
    return this.address.host
  }

  baseUrl(): Promise<string> {
    this.base ??= this.session.transport.baseUrl(this.address)
    return this.base
  }

  /**
   * One request with auth: anonymous (or with what an earlier challenge taught us), then, on a 401,
   * once more with the answer to the challenge.
   */
  async send(
    pathOrUrl: string,
    request: HttpRequest,
    scopes: string[],
    options: {signal?: AbortSignal} = {},
  ): Promise<HttpResponse> {
    return this.session.limit(async () => {
      // Checked once the request has its turn, so requests queued behind the limit are not sent
      // after an interruption; a request already sent is never abandoned (its outcome matters).
      if (options.signal?.aborted) throw new InterruptedError('interrupted before the request was sent')
      const base = await this.baseUrl()
      const url = onRegistry(base, pathOrUrl)
      const {transport, auth} = this.session
      // A pre-emptive answer (a token for a new scope) can be refused too: named like any other 401.
      const first = await auth.authorization(base, scopes).catch((error: unknown) => {
        const remembered = auth.rememberedChallenge(base)
        throw refusal(error, remembered ? [remembered] : [], url)
      })
      let response = await transport.request(url, {...request, headers: {...request.headers, authorization: first}})
      if (response.status !== 401) return response
      this.refuseForeignChallenge(base, response)
      if (first) auth.invalidate(base, scopes)
      const challenges = parseChallenges(response.headers['www-authenticate'])
      const answer = await auth.respond(base, challenges, scopes).catch((error: unknown) => {
        throw refusal(error, challenges, url)
      })
      response = await transport.request(url, {...request, headers: {...request.headers, authorization: answer}})
      if (response.status === 401) {
        this.refuseForeignChallenge(base, response)
        const rejected = new UnauthorizedError(
          `${this.host} rejected ${await auth.describeTried(this.host, {scopes, realm: challengeRealm(challenges)})}`,
          ExitCode.UNAUTHORIZED,
          {status: 401, codes: codesOf(response), url},
        )
        throw refusal(rejected, parseChallenges(response.headers['www-authenticate']), url)
      }

      return response
    })
  }

  /**
   * A 401 that came from another origin than the registry (the registry redirected there) is never
   * answered: the credentials belong to the registry the operator named, and the challenge is not
   * remembered for it. (A Bearer realm on another host named by the registry's OWN challenge is
   * fine: token servers live elsewhere, and docker sends credentials there too.)
   */
  private refuseForeignChallenge(base: string, response: HttpResponse): void {
    const from = new URL(response.url)
    if (from.origin === new URL(base).origin) return
    throw new UnauthorizedError(
      `${from.host}, where ${this.host} redirected, asks for credentials; registryctl sends ${this.host}'s credentials to no other host`,
      ExitCode.UNAUTHORIZED,
      {status: 401, codes: codesOf(response), url: response.url},
      {hint: 'ask the registry operator why it redirects authenticated requests to another host'},
    )
  }

  /** Turn a non-2xx answer into the typed error that says what failed and why. */
  async fail(response: HttpResponse, subject: Subject): Promise<never> {
    const entries = errorEntries(response)
    const codes = entries.map((entry) => entry.code)
    const details = {status: response.status, codes, url: response.url}
    const detail = entries[0]?.message ? `: ${entries[0].message}` : ''
    switch (response.status) {
      case 401: {
        throw new UnauthorizedError(
          `${this.host} requires authentication for ${subject.what}`,
          ExitCode.UNAUTHORIZED,
          details,
        )
      }

      case 403: {
        // A front that denies every write (nginx `deny` in read-only maintenance) answers 403 before
        // any authentication: no challenge, no registry error body. Credentials are not the problem.
        if (
          (subject.operation === 'delete' || subject.operation === 'write') &&
          codes.length === 0 &&
          !headerValue(response.headers, 'www-authenticate')
        )
          throw new UnsupportedError(
            `${this.host} refuses writes before authentication (403 from the front, no credentials asked): the registry is probably in read-only maintenance (${subject.what})`,
            ExitCode.UNSUPPORTED,
            details,
          )
        // Name the credentials this request carried: the account of its repository, if one serves it.
        const name = /^\/v2\/(.+)\/(?:manifests|tags|blobs)\//.exec(new URL(response.url).pathname)?.[1]
        const tried = await this.session.auth.describeTried(this.host, {
          scopes: name ? [pullScope(decodeURIComponent(name))] : [],
        })
        // A 403 rarely carries a challenge (a token server's insufficient_scope does): its realm when it does.
        const realm = challengeRealm(parseChallenges(response.headers['www-authenticate']))
        throw new DeniedError(
          `access to ${subject.what} denied by ${this.host} (${tried}${realm ? `, realm "${realm}"` : ''})${detail}`,
          ExitCode.DENIED,
          {...details, realm},
          {
            hint:
              subject.operation === 'delete' || subject.operation === 'write'
                ? 'deleting and pushing need push credentials (--username/--password-stdin or docker login)'
                : undefined,
          },
        )
      }

      case 404: {
        throw new NotFoundError(
          `${subject.what} not found${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`,
          ExitCode.NOT_FOUND,
          details,
        )
      }

      case 405: {
        if (codes.includes('UNSUPPORTED')) {
          const message =
            subject.operation === 'delete'
              ? `${this.host} has deletes disabled (storage.delete.enabled is false)`
              : `${this.host} does not support this operation on ${subject.what}`
          throw new UnsupportedError(message, ExitCode.UNSUPPORTED, details)
        }

        // Read-only mode answers 405 "Method not allowed" with Allow: GET, HEAD and no JSON.
        throw new UnsupportedError(
          `${this.host} refuses writes (read-only/maintenance mode): ${subject.what}`,
          ExitCode.UNSUPPORTED,
          details,
        )
      }

      case 429: {
        throw new ServerError(
          `${this.host} kept rate-limiting requests (TOOMANYREQUESTS) for ${subject.what}`,
          ExitCode.REGISTRY,
          details,
        )
      }

      default: {
        const kind = response.status >= 500 ? 'server error' : 'unexpected answer'
        throw new ServerError(
          `${this.host} answered ${response.status} (${kind}) for ${subject.what}${detail}`,
          ExitCode.REGISTRY,
          details,
        )
      }
    }
  }

  private refOf(name: string, reference?: string): string {
    if (!reference) return formatReference({host: this.host, name})
    return formatReference(
      isDigest(reference) ? {host: this.host, name, digest: reference} : {host: this.host, name, tag: reference},
    )
  }

  /** GET /v2/: the API version header, or a typed error. */
  async ping(): Promise<{status: number; apiVersion?: string}> {
    const response = await this.send('/v2/', {method: 'GET'}, [])
    if (response.status !== 200) await this.fail(response, {what: `the API root of ${this.host}`})
    return {status: response.status, apiVersion: headerValue(response.headers, 'docker-distribution-api-version')}
  }

  private async pagedNames(
    firstPath: string,
    key: 'repositories' | 'tags',
    scopes: string[],
    subject: Subject,
  ): Promise<string[]> {
    const base = await this.baseUrl()
    return collectPages<string>(`${base}${firstPath}`, async (url) => {
      const {response, parsed} = await this.reread(async () => {
        const answer = await this.send(url, {method: 'GET', headers: {accept: 'application/json'}}, scopes)
        if (answer.status !== 200) await this.fail(answer, subject)
        try {
          return {response: answer, parsed: JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>}
        } catch (error) {
          throw new CorruptAnswerError(
            `${this.host} sent malformed JSON for ${subject.what}: ${(error as Error).message}`,
          )
        }
      })

      // Distribution answers {"tags": null} for a repository whose last tag was deleted.
      const items = parsed?.[key] ?? []
      if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
        throw new ProtocolError(`${this.host} sent a malformed ${key} list for ${subject.what}`)
      }

      return {items: items as string[], next: nextPageUrl(response.headers.link, response.url)}
    })
  }

  /**
   * Every repository in the catalog, in the registry's (lexical) order. A name distribution could never hold (control characters, spaces…) is a hostile
   * answer and is left out, unless `keepInvalid` (a caller that reports them itself).
   */
  async repositories(options: {pageSize?: number; keepInvalid?: boolean} = {}): Promise<string[]> {
    const names = await this.pagedNames(
      `/v2/_catalog?n=${options.pageSize ?? CATALOG_PAGE_SIZE}`,
      'repositories',
      [CATALOG_SCOPE],
      {what: `the catalog of ${this.host}`},
    )
    return options.keepInvalid ? names : names.filter((name) => isValidName(name))
  }

  /**
   * Every tag of a repository, in the registry's order (distribution: storage order; sort yourself).
   * With `missingIsEmpty`, a repository the registry no longer knows has no tags rather than failing:
   * Swift/S3 answer 404 NAME_UNKNOWN for a repository whose last tag was deleted, while the catalog
   * still lists it.
   */
  async tags(
    name: string,
    options: {missingIsEmpty?: boolean; pageSize?: number; keepInvalid?: boolean} = {},
  ): Promise<string[]> {
    try {
      // As for names: a tag outside the tag grammar cannot exist on a registry that checks it.
      const tags = await this.pagedNames(
        `/v2/${name}/tags/list?n=${options.pageSize ?? CATALOG_PAGE_SIZE}`,
        'tags',
        [pullScope(name)],
        {what: `repository ${this.refOf(name)}`},
      )
      return options.keepInvalid ? tags : tags.filter((tag) => isValidTag(tag))
    } catch (error) {
      if (options.missingIsEmpty && error instanceof NotFoundError) return []
      throw error
    }
  }

  /**
   * Resolve a tag or digest to the descriptor the registry serves, with a HEAD. When the registry
   * omits Docker-Content-Digest, GET the manifest and hash it.
   */
  async resolve(name: string, reference: string): Promise<Descriptor> {
    const response = await this.send(
      `/v2/${name}/manifests/${reference}`,
      {method: 'HEAD', headers: {accept: MANIFEST_ACCEPT}},
      [pullScope(name)],
    )
    if (response.status !== 200) await this.fail(response, {what: `manifest ${this.refOf(name, reference)}`})
    const digest = headerValue(response.headers, 'docker-content-digest')
    const mediaType = headerValue(response.headers, 'content-type')?.split(';')[0]?.trim()
    const length = Number(headerValue(response.headers, 'content-length'))
    if (!digest || !mediaType || !Number.isFinite(length)) return (await this.manifest(name, reference)).descriptor
    if (isDigest(reference) && digest !== reference) {
      throw new ProtocolError(`${this.host} answered digest ${digest} for ${this.refOf(name, reference)}`)
    }

    return {mediaType, digest, size: length}
  }

  /**
   * GET a manifest and verify it hashes to the digest asked for or announced; whatever is fetched and
   * verified goes to the session's cache. With `cached`, a digest is first looked up there: only for
   * digests the caller knows exist in this repository (a cache hit proves nothing about the registry).
   */
  async manifest(name: string, reference: string, options: {cached?: boolean} = {}): Promise<ManifestResult> {
    const {cache} = this.session
    if (cache && options.cached && isDigest(reference)) {
      const hit = await cache.get(reference)
      if (hit) {
        const manifest = parseManifest(hit.data, hit.mediaType || undefined)
        return {
          descriptor: {mediaType: manifest.mediaType, digest: reference, size: hit.data.length},
          manifest,
          raw: hit.data,
        }
      }
    }

    const ref = this.refOf(name, reference)
    let expected: string | undefined
    const response = await this.reread(async () => {
      const answer = await this.send(
        `/v2/${name}/manifests/${reference}`,
        {method: 'GET', headers: {accept: MANIFEST_ACCEPT}},
        [pullScope(name)],
      )
      if (answer.status !== 200) await this.fail(answer, {what: `manifest ${ref}`})
      const announced = headerValue(answer.headers, 'docker-content-digest')
      expected = isDigest(reference) ? reference : announced
      if (expected) verifyDigest(answer.body, expected, `manifest ${ref}`)
      return answer
    })
    const digest = expected ?? sha256Digest(response.body)
    const manifest = parseManifest(response.body, headerValue(response.headers, 'content-type'))
    await cache?.put(digest, manifest.mediaType, response.body)
    return {
      descriptor: {mediaType: manifest.mediaType, digest, size: response.body.length},
      manifest,
      raw: response.body,
    }
  }

  /**
   * GET a blob (following the registry's redirects to storage) and verify its digest. Small blobs
   * (image configs) go to the session's cache, and with `cached` come from it.
   */
  async blob(name: string, digest: string, options: {cached?: boolean} = {}): Promise<Buffer> {
    const {cache} = this.session
    const hit = options.cached ? await cache?.get(digest) : undefined
    if (hit) return hit.data
    const body = await this.reread(async () => {
      const response = await this.send(`/v2/${name}/blobs/${digest}`, {method: 'GET'}, [pullScope(name)])
      if (response.status !== 200) await this.fail(response, {what: `blob ${this.refOf(name, digest)}`})
      verifyDigest(response.body, digest, `blob ${digest} of ${name}`)
      return response.body
    })
    await cache?.put(digest, '', body)
    return body
  }

  /**
   * A read whose answer arrived damaged (unparsable JSON, content not matching its digest) is asked
   * again, up to --retries times: the transport retries lost answers, not mangled ones.
   */
  private async reread<T>(read: () => Promise<T>): Promise<T> {
    const {retries, debug} = this.session.transport.options
    for (let attempt = 0; ; attempt++) {
      try {
        return await read()
      } catch (error) {
        if (!(error instanceof CorruptAnswerError) || attempt >= retries) throw error
        debug?.(`reading again after a damaged answer: ${error.message}`)
      }
    }
  }

  /**
   * DELETE a manifest by digest (on distribution: removes every tag that points at it), or by tag
   * where the registry supports OCI 1.1 tag deletion. `gone` is a 404: already deleted, or deleted
   * by an attempt whose answer was lost and then retried (`retried`): verify with a HEAD.
   */
  async deleteManifest(
    name: string,
    reference: string,
    options: {signal?: AbortSignal} = {},
  ): Promise<{gone: boolean; retried: boolean}> {
    const response = await this.send(
      `/v2/${name}/manifests/${reference}`,
      {method: 'DELETE'},
      [deleteScope(name)],
      options,
    )
    if (response.status === 202 || response.status === 200) return {gone: false, retried: response.retryCount > 0}
    if (response.status === 404) return {gone: true, retried: response.retryCount > 0}
    return this.fail(response, {what: `manifest ${this.refOf(name, reference)}`, operation: 'delete'})
  }

  /** HEAD a manifest: its digest, or undefined when it does not exist (no error for a 404). */
  async exists(name: string, reference: string): Promise<string | undefined> {
    const response = await this.send(
      `/v2/${name}/manifests/${reference}`,
      {method: 'HEAD', headers: {accept: MANIFEST_ACCEPT}},
      [pullScope(name)],
    )
    if (response.status === 404) return undefined
    if (response.status !== 200) await this.fail(response, {what: `manifest ${this.refOf(name, reference)}`})
    return (
      headerValue(response.headers, 'docker-content-digest') ?? (await this.manifest(name, reference)).descriptor.digest
    )
  }

  /** HEAD a blob in a repository: true when the registry still serves it there (a restore's check). */
  async blobExists(name: string, digest: string): Promise<boolean> {
    const response = await this.send(`/v2/${name}/blobs/${digest}`, {method: 'HEAD'}, [pullScope(name)])
    if (response.status === 404) return false
    if (response.status !== 200) await this.fail(response, {what: `blob ${this.refOf(name, digest)}`})
    return true
  }

  /**
   * Can we delete here? A DELETE of an all-zero digest (which cannot exist) answers 404 when deletes
   * are enabled, 405 UNSUPPORTED when `storage.delete.enabled` is off, a plain 405 in read-only mode,
   * and 401/403 when the credentials cannot delete. Throws the typed error; touches nothing.
   */
  async probeDelete(name: string): Promise<void> {
    const early = this.earlyDeleteProbes.get(name)
    if (early) {
      // Its one use: a later preflight (after a prompt, say) asks the registry again.
      this.earlyDeleteProbes.delete(name)
      const failure = await early
      if (failure) throw failure
      return
    }

    await this.sendDeleteProbe(name)
  }

  /**
   * Sends probeDelete's request now, alongside a plan's reads, and keeps its outcome for the next
   * probeDelete of `name`: for a preflight that follows the plan without a pause (a dry run, an
   * unattended run), never across a prompt. Its failure is only thrown by that probeDelete.
   */
  startDeleteProbe(name: string): void {
    if (this.earlyDeleteProbes.has(name)) return
    this.earlyDeleteProbes.set(
      name,
      this.sendDeleteProbe(name).then(
        () => undefined,
        (error: unknown) => error,
      ),
    )
  }

  private async sendDeleteProbe(name: string): Promise<void> {
    const response = await this.send(`/v2/${name}/manifests/sha256:${'0'.repeat(64)}`, {method: 'DELETE'}, [
      deleteScope(name),
    ])
    if (response.status === 404) return
    await this.fail(response, {what: `deletes in ${this.refOf(name)}`, operation: 'delete'})
  }

  /**
   * Can we push here? Opens a blob upload and cancels it at once (DELETE on its Location), which
   * leaves nothing behind but what a cancelled upload leaves. Throws the typed error otherwise.
   */
  async probePush(name: string): Promise<void> {
    const scopes = [pushScope(name)]
    const start = await this.send(
      `/v2/${name}/blobs/uploads/`,
      {method: 'POST', headers: {'content-length': '0'}},
      scopes,
    )
    if (start.status !== 202) await this.fail(start, {what: `pushes to ${this.refOf(name)}`, operation: 'write'})
    const location = headerValue(start.headers, 'location')
    if (location) await this.send(new URL(location, start.url).toString(), {method: 'DELETE'}, scopes)
  }

  /** Upload a blob in one request (POST to open the upload, PUT with the content), unless it exists. */
  async pushBlob(name: string, data: Buffer, digest = sha256Digest(data)): Promise<Descriptor & {digest: string}> {
    const scopes = [pushScope(name)]
    const head = await this.send(`/v2/${name}/blobs/${digest}`, {method: 'HEAD'}, scopes)
    if (head.status === 200) return {mediaType: 'application/octet-stream', digest, size: data.length}
    const start = await this.send(
      `/v2/${name}/blobs/uploads/`,
      {method: 'POST', headers: {'content-length': '0'}},
      scopes,
    )
    if (start.status !== 202) await this.fail(start, {what: `a blob upload to ${this.refOf(name)}`, operation: 'write'})
    const location = headerValue(start.headers, 'location')
    if (!location) throw new ProtocolError(`${this.host} opened an upload without a Location header`)
    const url = new URL(location, start.url)
    url.searchParams.set('digest', digest)
    const put = await this.send(
      url.toString(),
      {method: 'PUT', headers: {'content-type': 'application/octet-stream'}, body: data},
      scopes,
    )
    if (put.status !== 201) await this.fail(put, {what: `blob ${digest} for ${this.refOf(name)}`, operation: 'write'})
    return {mediaType: 'application/octet-stream', digest, size: data.length}
  }

  /** PUT a manifest under a tag or digest; returns its digest as the registry computed it. */
  async pushManifest(name: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    const response = await this.send(
      `/v2/${name}/manifests/${reference}`,
      {method: 'PUT', headers: {'content-type': mediaType}, body},
      [pushScope(name)],
    )
    if (response.status !== 201)
      await this.fail(response, {what: `manifest ${this.refOf(name, reference)}`, operation: 'write'})
    const digest = headerValue(response.headers, 'docker-content-digest') ?? sha256Digest(body)
    if (digest !== digestWithAlgorithmOf(body, digest))
      throw new ProtocolError(
        `${this.host} stored manifest ${this.refOf(name, reference)} under an unexpected digest ${digest}`,
      )
    return digest
  }
}

function codesOf(response: HttpResponse): string[] {
  return errorEntries(response).map((entry) => entry.code)
}
