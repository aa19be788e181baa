/**
 * S3 as distribution's s3-aws driver lays it out: keys `<rootdirectory>/<path>` in one bucket.
 * Read-only: GET and HEAD only, signed with SigV4 by aws4. Path-style requests to `regionendpoint`
 * (or `s3.<region>.amazonaws.com`), ListObjectsV2 with continuation tokens (S3 answers at most 1,000
 * keys a page, whatever max-keys asks).
 */
import aws4 from 'aws4'
import {XMLParser} from 'fast-xml-parser'

import {
  DeniedError,
  ExitCode,
  NotFoundError,
  ProtocolError,
  RegistryCtlError,
  UnauthorizedError,
  UsageError,
} from '../errors.js'
import {type HttpResponse, Transport, type TransportOptions} from '../registry/transport.js'
import type {S3Parameters} from './config.js'
import type {ListOptions, ListPage, StorageReader, StoreObject} from './storage.js'
import {OBJECT_STORE_RETRY_STATUS} from './swift.js'

export interface S3ReaderOptions extends TransportOptions {
  concurrency?: number
  env?: NodeJS.ProcessEnv
}

interface ListResult {
  ListBucketResult?: {
    Contents?: Array<{Key?: string; Size?: string; LastModified?: string}>
    CommonPrefixes?: Array<{Prefix?: string}>
    IsTruncated?: string
    NextContinuationToken?: string
  }
}

const parser = new XMLParser({
  parseTagValue: false,
  isArray: (name) => name === 'Contents' || name === 'CommonPrefixes',
})

/** S3's rules for a URI path and query: RFC 3986 unreserved characters stay, everything else is %XX. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

export class S3Reader implements StorageReader {
  readonly driver = 's3' as const
  readonly listsSizes = true
  readonly concurrency: number
  readonly location: string
  private readonly transport: Transport
  private readonly endpoint: URL
  /** `<rootdirectory>/`, or '' */
  private readonly base: string
  private readonly credentials: {accessKeyId: string; secretAccessKey: string; sessionToken?: string}

  constructor(
    private readonly parameters: S3Parameters,
    options: S3ReaderOptions = {},
  ) {
    const env = options.env ?? process.env
    this.concurrency = options.concurrency ?? 16
    const scheme = parameters.secure === false ? 'http' : 'https'
    const endpoint = parameters.regionendpoint ?? `s3.${parameters.region}.amazonaws.com`
    try {
      this.endpoint = new URL(/^https?:\/\//.test(endpoint) ? endpoint : `${scheme}://${endpoint}`)
    } catch {
      throw new UsageError(`the s3 regionendpoint ${endpoint} is not a URL`)
    }

    const accessKeyId = parameters.accesskey ?? env.AWS_ACCESS_KEY_ID
    const secretAccessKey = parameters.secretkey ?? env.AWS_SECRET_ACCESS_KEY
    if (!accessKeyId || !secretAccessKey) {
      throw new UsageError(
        'the s3 driver needs accesskey and secretkey in the config (or REGISTRY_STORAGE_S3_ACCESSKEY/SECRETKEY, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); instance roles are not read',
      )
    }

    this.credentials = {
      accessKeyId,
      secretAccessKey,
      sessionToken: parameters.sessiontoken ?? (parameters.accesskey ? undefined : env.AWS_SESSION_TOKEN),
    }
    this.transport = new Transport({
      ...options,
      insecure: options.insecure || parameters.skipverify,
      retryStatusCodes: OBJECT_STORE_RETRY_STATUS,
    })
    const root = (parameters.rootdirectory ?? '').replace(/^\/+|\/+$/g, '')
    this.base = root ? `${root}/` : ''
    this.location = `s3 bucket ${parameters.bucket}${root ? ` rootdirectory /${root}` : ''} (${this.endpoint.origin})`
  }

  private async request(
    method: 'GET' | 'HEAD',
    key: string | undefined,
    query: Array<[string, string]> = [],
  ): Promise<HttpResponse> {
    const basePath = this.endpoint.pathname.replace(/\/+$/, '')
    const path = `${basePath}/${encode(this.parameters.bucket)}${
      key === undefined
        ? '/'
        : `/${key
            .split('/')
            .map((part) => encode(part))
            .join('/')}`
    }`
    const search = query.map(([name, value]) => `${encode(name)}=${encode(value)}`).join('&')
    const signed = aws4.sign(
      {
        host: this.endpoint.host,
        method,
        path: search ? `${path}?${search}` : path,
        service: 's3',
        region: this.parameters.region,
        doNotEncodePath: true,
        headers: {},
      },
      this.credentials,
    )
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(signed.headers ?? {}))
      if (value !== undefined && name.toLowerCase() !== 'host') headers[name] = String(value)
    return this.transport.request(`${this.endpoint.origin}${signed.path}`, {method, headers})
  }

  private failure(response: HttpResponse, what: string): never {
    const code = /<Code>([^<]+)<\/Code>/.exec(response.body.toString('utf8'))?.[1] ?? ''
    const details = {status: response.status, codes: code ? [code] : [], url: this.endpoint.origin}
    const bucket = this.parameters.bucket
    if (code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || response.status === 401) {
      throw new UnauthorizedError(
        `s3 at ${this.endpoint.origin} refused the credentials (${code || response.status})`,
        ExitCode.UNAUTHORIZED,
        details,
        {
          hint: 'check accesskey/secretkey and region',
        },
      )
    }

    if (code === 'NoSuchBucket' || (response.status === 404 && key404(what)))
      throw new NotFoundError(
        `s3 bucket ${bucket} does not exist at ${this.endpoint.origin}`,
        ExitCode.NOT_FOUND,
        details,
      )
    if (response.status === 403)
      throw new DeniedError(
        `s3 at ${this.endpoint.origin} denied ${what} in bucket ${bucket} (${code || 403})`,
        ExitCode.DENIED,
        details,
      )
    throw new RegistryCtlError(
      `s3 answered ${response.status}${code ? ` ${code}` : ''} to ${what} in bucket ${bucket}`,
      ExitCode.REGISTRY,
    )
  }

  async check(): Promise<void> {
    // A one-key listing under rootdirectory (a policy may allow no other): tells a missing bucket and
    // wrong credentials apart (a HEAD has no body to say which).
    const response = await this.request('GET', undefined, [
      ['list-type', '2'],
      ['max-keys', '1'],
      ...(this.base ? ([['prefix', this.base]] as Array<[string, string]>) : []),
    ])
    if (response.status >= 300) this.failure(response, 'a listing')
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ListPage> {
    const full = `${this.base}${prefix}`
    let token: string | undefined
    for (;;) {
      const query: Array<[string, string]> = [
        ['list-type', '2'],
        ['prefix', full],
      ]
      if (options.delimiter) query.push(['delimiter', '/'])
      if (token) query.push(['continuation-token', token])

      const response = await this.request('GET', undefined, query)
      if (response.status >= 300) this.failure(response, `a listing of ${full}`)
      let result: ListResult['ListBucketResult']
      try {
        result = (parser.parse(response.body.toString('utf8')) as ListResult).ListBucketResult
      } catch {
        throw new ProtocolError(`s3 sent a listing that is not XML for ${full}`)
      }

      if (!result) throw new ProtocolError(`s3 sent no ListBucketResult for ${full}`)
      const objects: StoreObject[] = (result.Contents ?? [])
        .filter((entry) => entry.Key !== undefined)
        .map((entry) => {
          const modified = entry.LastModified ? Date.parse(entry.LastModified) : Number.NaN
          return {
            key: entry.Key!.slice(this.base.length),
            size: entry.Size === undefined ? undefined : Number(entry.Size),
            modified: Number.isNaN(modified) ? undefined : modified,
          }
        })
      const prefixes = (result.CommonPrefixes ?? [])
        .map((entry) => entry.Prefix ?? '')
        .filter(Boolean)
        .map((entry) => entry.slice(this.base.length))
      yield {objects, prefixes}
      if (result.IsTruncated !== 'true' || !result.NextContinuationToken) return
      token = result.NextContinuationToken
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    const response = await this.request('GET', `${this.base}${key}`)
    if (response.status === 404) return undefined
    if (response.status >= 300) this.failure(response, `a GET of ${key}`)
    return response.body
  }

  async stat(key: string): Promise<{size: number; modified?: number} | undefined> {
    const response = await this.request('HEAD', `${this.base}${key}`)
    if (response.status === 404) return undefined
    if (response.status >= 300) this.failure(response, `a HEAD of ${key}`)
    const modified = Date.parse(String(response.headers['last-modified'] ?? ''))
    return {
      size: Number(response.headers['content-length'] ?? 0),
      modified: Number.isNaN(modified) ? undefined : modified,
    }
  }
}

/** A 404 on a listing (not on an object) can only be the bucket. */
function key404(what: string): boolean {
  return what.startsWith('a listing')
}
