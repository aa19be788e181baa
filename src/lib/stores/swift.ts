/**
 * OpenStack Swift as distribution's swift driver lays it out: objects `<prefix>/files/<path>` in one
 * container. Read-only: GET and HEAD only (and the auth request).
 *  - auth: tempauth / Swift v1 (X-Auth-User/X-Auth-Key) or Keystone v3 (password, with the config's
 *    domain/tenant/region/endpointtype), re-done once when a token expires mid-listing (401);
 *  - listing: `?format=json&prefix=…[&delimiter=/]&limit=10000&marker=…`, the largest page Swift
 *    allows by default (a proxy configured lower answers 412: the page shrinks to 1,000);
 *  - streamed blobs are Dynamic Large Objects listed as 0 bytes: their size is undefined here, and a
 *    HEAD (stat) gives the real one.
 */
import {ExitCode, NotFoundError, ProtocolError, RegistryCtlError, UnauthorizedError, UsageError} from '../errors.js'
import {type HttpResponse, Transport, type TransportOptions} from '../registry/transport.js'
import type {SwiftParameters} from './config.js'
import type {ListOptions, ListPage, StorageReader, StoreObject} from './storage.js'

export const SWIFT_PAGE = 10_000
const SMALL_PAGE = 1000
/** Swift's "too many requests" (498 from its ratelimit middleware) and the usual ones. */
export const OBJECT_STORE_RETRY_STATUS = [429, 498, 500, 502, 503, 504]
/** The MD5 of nothing: what a DLO manifest (and a truly empty object) lists as its hash. */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e'

interface Listed {
  name?: string
  subdir?: string
  bytes?: number
  hash?: string
  last_modified?: string
}

export interface SwiftReaderOptions extends TransportOptions {
  /** Requests in flight at once. */
  concurrency?: number
}

function authVersion(parameters: SwiftParameters): number {
  if (parameters.authversion) return parameters.authversion
  if (/v3/.test(parameters.authurl)) return 3
  if (/v2/.test(parameters.authurl)) return 2
  return 1
}

export class SwiftReader implements StorageReader {
  readonly driver = 'swift' as const
  readonly listsSizes = true
  readonly concurrency: number
  readonly location: string
  private readonly transport: Transport
  /** `<prefix>/files/`, trimmed of slashes as the driver does. */
  private readonly base: string
  private session?: Promise<{token: string; storageUrl: string}>
  private pageSize = SWIFT_PAGE

  constructor(
    private readonly parameters: SwiftParameters,
    options: SwiftReaderOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16
    this.transport = new Transport({
      ...options,
      insecure: options.insecure || parameters.insecureskipverify,
      retryStatusCodes: OBJECT_STORE_RETRY_STATUS,
    })
    const prefix = (parameters.prefix ?? '').replace(/^\/+|\/+$/g, '')
    this.base = prefix ? `${prefix}/files/` : 'files/'
    this.location = `swift container ${parameters.container}${prefix ? ` prefix ${prefix}` : ''} (${parameters.authurl})`
  }

  private async authenticate(): Promise<{token: string; storageUrl: string}> {
    const {username, password, authurl} = this.parameters
    if (!username || !password)
      throw new UsageError(
        'the swift driver needs username and password in the config (or REGISTRY_STORAGE_SWIFT_USERNAME/PASSWORD)',
      )
    const version = authVersion(this.parameters)
    if (version === 1) {
      const response = await this.transport.request(authurl, {
        headers: {'x-auth-user': username, 'x-auth-key': password},
      })
      this.authFailed(response)
      const token = response.headers['x-auth-token'] as string | undefined
      const storageUrl = response.headers['x-storage-url'] as string | undefined
      if (!token || !storageUrl)
        throw new ProtocolError(`swift auth at ${authurl} answered ${response.status} without a token and storage URL`)
      return {token, storageUrl}
    }

    if (version === 3) return this.keystone()
    throw new UsageError(`swift authversion ${version} is not supported: use 1 (tempauth) or 3 (Keystone v3)`)
  }

  private async keystone(): Promise<{token: string; storageUrl: string}> {
    const p = this.parameters
    const domain = p.domainid ? {id: p.domainid} : {name: p.domain ?? 'Default'}
    const projectDomain = p.tenantdomainid ? {id: p.tenantdomainid} : p.tenantdomain ? {name: p.tenantdomain} : domain
    const scope = p.tenantid
      ? {project: {id: p.tenantid}}
      : p.tenant
        ? {project: {name: p.tenant, domain: projectDomain}}
        : undefined
    const body = {
      auth: {
        identity: {methods: ['password'], password: {user: {name: p.username, password: p.password, domain}}},
        ...(scope ? {scope} : {}),
      },
    }
    const url = `${p.authurl.replace(/\/+$/, '')}/auth/tokens`
    const response = await this.transport.request(url, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify(body),
    })
    this.authFailed(response)
    const token = response.headers['x-subject-token'] as string | undefined
    let catalog: Array<{
      type?: string
      endpoints?: Array<{interface?: string; region?: string; region_id?: string; url?: string}>
    }> = []
    try {
      catalog =
        (JSON.parse(response.body.toString('utf8')) as {token?: {catalog?: typeof catalog}}).token?.catalog ?? []
    } catch {
      throw new ProtocolError(`Keystone at ${p.authurl} answered ${response.status} with no JSON token`)
    }

    const wanted = (p.endpointtype ?? 'public').toLowerCase()
    const endpoint = catalog
      .filter((service) => service.type === 'object-store')
      .flatMap((service) => service.endpoints ?? [])
      .find(
        (candidate) =>
          candidate.interface === wanted &&
          (!p.region || candidate.region === p.region || candidate.region_id === p.region),
      )
    if (!token || !endpoint?.url)
      throw new ProtocolError(
        `Keystone at ${p.authurl} gave no token or no ${wanted} object-store endpoint${p.region ? ` in region ${p.region}` : ''}`,
      )
    return {token, storageUrl: endpoint.url}
  }

  private authFailed(response: HttpResponse): void {
    if (response.status === 401 || response.status === 403) {
      throw new UnauthorizedError(
        `swift auth at ${this.parameters.authurl} refused the credentials of ${this.parameters.username} (${response.status})`,
        ExitCode.UNAUTHORIZED,
        {
          status: response.status,
          codes: [],
          url: this.parameters.authurl,
        },
      )
    }

    if (response.status >= 300)
      throw new ProtocolError(`swift auth at ${this.parameters.authurl} answered ${response.status}`)
  }

  /** A request with the token; on 401 (expired token) authenticates once more and retries. */
  private async request(path: string, method: 'GET' | 'HEAD', query = ''): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      const current = this.session ?? (this.session = this.authenticate())
      let session
      try {
        session = await current
      } catch (error) {
        if (this.session === current) this.session = undefined
        throw error
      }

      const url = `${session.storageUrl.replace(/\/+$/, '')}/${encodeURIComponent(this.parameters.container)}${
        path
          ? `/${path
              .split('/')
              .map((part) => encodeURIComponent(part))
              .join('/')}`
          : ''
      }${query}`

      const response = await this.transport.request(url, {method, headers: {'x-auth-token': session.token}})
      if (response.status === 401 && attempt === 0) {
        if (this.session === current) this.session = undefined
        continue
      }

      if (response.status === 401 || response.status === 403) {
        throw new UnauthorizedError(
          `swift refused the token for container ${this.parameters.container} (${response.status})`,
          response.status === 401 ? ExitCode.UNAUTHORIZED : ExitCode.DENIED,
          {
            status: response.status,
            codes: [],
            url,
          },
        )
      }

      return response
    }
  }

  private failed(response: HttpResponse, what: string): never {
    throw new RegistryCtlError(
      `swift answered ${response.status} to ${what} in container ${this.parameters.container}`,
      ExitCode.REGISTRY,
    )
  }

  private missingContainer(): never {
    throw new NotFoundError(
      `swift container ${this.parameters.container} does not exist (at ${this.parameters.authurl})`,
      ExitCode.NOT_FOUND,
      {status: 404, codes: [], url: this.parameters.authurl},
    )
  }

  async check(): Promise<void> {
    const response = await this.request('', 'HEAD')
    if (response.status === 404) this.missingContainer()
    if (response.status >= 300) this.failed(response, 'HEAD')
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListPage> {
    const full = `${this.base}${prefix}`
    let marker = ''
    for (;;) {
      const query = `?format=json&prefix=${encodeURIComponent(full)}${options.delimiter ? '&delimiter=%2F' : ''}&limit=${this.pageSize}${marker ? `&marker=${encodeURIComponent(marker)}` : ''}`

      const response = await this.request('', 'GET', query)
      if (response.status === 412 && this.pageSize > SMALL_PAGE) {
        // The proxy's container_listing_limit is lower than Swift's default.
        this.pageSize = SMALL_PAGE
        continue
      }

      if (response.status === 404) this.missingContainer()
      if (response.status >= 300) this.failed(response, `a listing of ${full}`)
      let entries: Listed[] = []
      if (response.status !== 204 && response.body.length > 0) {
        try {
          entries = JSON.parse(response.body.toString('utf8')) as Listed[]
        } catch {
          throw new ProtocolError(`swift sent a listing that is not JSON for ${full}`)
        }
      }

      const objects: StoreObject[] = []
      const prefixes: string[] = []
      for (const entry of entries) {
        if (entry.subdir !== undefined) {
          prefixes.push(entry.subdir.slice(this.base.length))
        } else if (entry.name !== undefined) {
          const modified = entry.last_modified ? Date.parse(`${entry.last_modified}Z`) : undefined
          // A 0-byte entry with the empty MD5 may be a DLO manifest: its size is not known here.
          const size =
            entry.bytes === 0 && (entry.hash === EMPTY_MD5 || entry.hash === undefined) ? undefined : entry.bytes
          objects.push({
            key: entry.name.slice(this.base.length),
            size,
            modified: Number.isNaN(modified) ? undefined : modified,
          })
        }
      }

      yield {objects, prefixes}
      if (entries.length < this.pageSize) return
      const last = entries.at(-1)!
      marker = last.subdir ?? last.name ?? ''
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    const response = await this.request(`${this.base}${key}`, 'GET')
    if (response.status === 404) return undefined
    if (response.status >= 300) this.failed(response, `a GET of ${key}`)
    return response.body
  }

  async stat(key: string): Promise<{size: number; modified?: number} | undefined> {
    const response = await this.request(`${this.base}${key}`, 'HEAD')
    if (response.status === 404) return undefined
    if (response.status >= 300) this.failed(response, `a HEAD of ${key}`)
    const modified = Date.parse(String(response.headers['last-modified'] ?? ''))
    return {
      size: Number(response.headers['content-length'] ?? 0),
      modified: Number.isNaN(modified) ? undefined : modified,
    }
  }
}
