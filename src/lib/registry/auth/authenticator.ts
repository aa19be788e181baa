/**
 * Answers registry auth challenges. Requests go out anonymously first; a 401 tells us the scheme:
 * Basic (send the credentials) or Bearer (fetch a token for the scopes from the realm, cache it per
 * scope until it expires). Credentials are chosen per request (selectCredentials): --username and
 * --password-stdin for everything; else the host's account for the request's repository prefix or the
 * challenge's realm (auth/accounts.ts); else docker's config for the host. Each source is looked up
 * once, only for its own host, and never appears in messages or debug lines.
 */
import {ExitCode, UnauthorizedError} from '../../errors.js'
import {isLoopbackHost, type Transport} from '../transport.js'
import type {Challenge} from './challenge.js'
import {type CredentialLookup, type Credentials, type HelperRunner, lookupDockerCredentials} from './docker-config.js'
import {
  type Account,
  accountCredentials,
  chooseAccount,
  describeAccount,
  repositoryOfScopes,
  storedAccounts,
} from './accounts.js'

export interface AuthOptions {
  /** From --username and --password-stdin; wins over docker's config. */
  explicit?: {username: string; password: string}
  /** config.json path (default $DOCKER_CONFIG/config.json). */
  configPath?: string
  /** Skip docker's config entirely (tests, and scripts that want anonymous access only). */
  ignoreDockerConfig?: boolean
  runHelper?: HelperRunner
  /** With --insecure, credentials may be sent over plain HTTP to remote hosts. */
  insecure?: boolean
  /** Accounts per host (`host[:port]`) from the settings; they serve only that host. */
  accounts?: Record<string, Account[]>
  /** registryctl's credentials file (`login --repository`); unread when absent. */
  storedAccountsPath?: string
  /** Clock, for token expiry tests. */
  now?: () => number
}

/** What a request is about, for choosing its credentials. */
export interface RequestContext {
  scopes: string[]
  /** The realm of the challenge being answered (or remembered). */
  realm?: string
}

interface HostState {
  challenge?: Challenge
  /** docker's config (or --username) for the host, looked up once. */
  lookup?: Promise<CredentialLookup>
  /** The host's accounts: the settings', then the credentials file's, read once. */
  accounts?: Promise<Account[]>
  /** Each account's credentials, looked up once. */
  accountLookups: Map<Account, Promise<CredentialLookup>>
  /** Bearer tokens by credentials and sorted scope list. */
  tokens: Map<string, Promise<{token: string; expiresAt: number}>>
}

const DEFAULT_TOKEN_LIFETIME_S = 60

function unauthorized(message: string, url: string, status = 401, hint?: string): UnauthorizedError {
  return new UnauthorizedError(message, ExitCode.UNAUTHORIZED, {status, codes: ['UNAUTHORIZED'], url}, {hint})
}

function basicHeader(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}`
}

function scopeKey(scopes: string[]): string {
  return [...new Set(scopes)].sort().join(' ')
}

export class Authenticator {
  private readonly hosts = new Map<string, HostState>()

  constructor(
    private readonly transport: Transport,
    private readonly options: AuthOptions = {},
  ) {}

  private state(host: string): HostState {
    let state = this.hosts.get(host)
    if (!state) {
      state = {tokens: new Map(), accountLookups: new Map()}
      this.hosts.set(host, state)
    }

    return state
  }

  private now(): number {
    return this.options.now?.() ?? Date.now()
  }

  /** The accounts that may serve a host: none with --username, or with `credentials: none`. */
  private accounts(host: string): Promise<Account[]> {
    const state = this.state(host)
    if (!state.accounts) {
      const {explicit, ignoreDockerConfig, storedAccountsPath} = this.options
      const configured = this.options.accounts?.[host] ?? []
      state.accounts =
        explicit || ignoreDockerConfig
          ? Promise.resolve([])
          : storedAccountsPath
            ? storedAccounts(storedAccountsPath, host).then((stored) => [...configured, ...stored])
            : Promise.resolve(configured)
    }

    return state.accounts
  }

  /**
   * The one place that decides which credentials a request carries: see the module comment. The key
   * tells tokens fetched with different credentials apart.
   */
  async selectCredentials(host: string, context: RequestContext): Promise<{key: string; lookup: CredentialLookup}> {
    const account = chooseAccount(await this.accounts(host), {
      repository: repositoryOfScopes(context.scopes),
      realm: context.realm,
    })
    if (!account) return {key: 'default', lookup: await this.credentials(host)}
    const state = this.state(host)
    let lookup = state.accountLookups.get(account)
    if (!lookup) {
      lookup = accountCredentials(account, host, {runHelper: this.options.runHelper}).then((credentials) => ({
        credentials,
        tried: [credentials.source],
      }))
      state.accountLookups.set(account, lookup)
    }

    return {key: `account ${describeAccount(account)}`, lookup: await lookup}
  }

  /** The host's default credentials (--username, else docker's config), looked up once. */
  credentials(host: string): Promise<CredentialLookup> {
    const state = this.state(host)
    if (!state.lookup) {
      const {explicit} = this.options
      if (explicit) {
        state.lookup = Promise.resolve({
          credentials: {...explicit, source: '--username/--password-stdin'},
          tried: ['--username/--password-stdin'],
        })
      } else if (this.options.ignoreDockerConfig) {
        state.lookup = Promise.resolve({tried: []})
      } else {
        state.lookup = lookupDockerCredentials(host, {
          configPath: this.options.configPath,
          runHelper: this.options.runHelper,
        })
      }
    }

    return state.lookup
  }

  /** Sources tried for a request (default: the host's default), for "401 … (tried: …)" lines. */
  async describeTried(host: string, context?: RequestContext): Promise<string> {
    const lookup = context ? (await this.selectCredentials(host, context)).lookup : await this.credentials(host)
    if (lookup.credentials) return `credentials from ${lookup.credentials.source}`
    return lookup.tried.length > 0 ? `no credentials found (tried: ${lookup.tried.join(', ')})` : 'no credentials'
  }

  /**
   * The Authorization header for a request, when an earlier challenge from this host told us how.
   * Avoids a 401 round trip per new scope once the host's scheme is known.
   */
  async authorization(baseUrl: string, scopes: string[]): Promise<string | undefined> {
    const host = new URL(baseUrl).host
    const challenge = this.hosts.get(host)?.challenge
    if (!challenge) return undefined
    // Only our own scopes: the remembered challenge's scope belonged to the request it answered.
    return this.answer(baseUrl, {...challenge, params: {...challenge.params, scope: ''}}, scopes)
  }

  /** The challenge remembered for a host (its realm names what refused a pre-emptive answer). */
  rememberedChallenge(baseUrl: string): Challenge | undefined {
    return this.hosts.get(new URL(baseUrl).host)?.challenge
  }

  /** Remember a host's challenge and produce the header that answers it. Throws when we cannot. */
  async respond(baseUrl: string, challenges: Challenge[], scopes: string[]): Promise<string> {
    const host = new URL(baseUrl).host
    const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic')
    if (!challenge) {
      throw unauthorized(`${host} answered 401 without a Basic or Bearer challenge`, baseUrl)
    }

    const state = this.state(host)
    // A challenge with a new scope list invalidates nothing: tokens stay cached per scope.
    state.challenge = challenge
    const header = await this.answer(baseUrl, challenge, scopes)
    if (header) return header
    throw unauthorized(
      `authentication required by ${host}: ${await this.describeTried(host, {scopes, realm: challenge.params.realm})}`,
      baseUrl,
      401,
      'log in with docker login, or pass --username and --password-stdin',
    )
  }

  /** Forget the tokens for these scopes (the registry rejected one) so the next request fetches a fresh one. */
  invalidate(baseUrl: string, scopes: string[]): void {
    const tokens = this.hosts.get(new URL(baseUrl).host)?.tokens
    for (const key of tokens?.keys() ?? []) if (key.endsWith(`\0${scopeKey(scopes)}`)) tokens!.delete(key)
  }

  private guardPlainHttp(url: string, credentials: Credentials | undefined): Credentials | undefined {
    if (!credentials) return undefined
    const parsed = new URL(url)
    if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.host) && !this.options.insecure) {
      throw unauthorized(
        `refusing to send credentials (${credentials.source}) over plain HTTP to ${parsed.host}`,
        url,
        401,
        'use https://, or --insecure if you accept sending them in clear text',
      )
    }

    return credentials
  }

  private async answer(baseUrl: string, challenge: Challenge, scopes: string[]): Promise<string | undefined> {
    const host = new URL(baseUrl).host
    const selected = await this.selectCredentials(host, {scopes, realm: challenge.params.realm})
    const {credentials} = selected.lookup
    if (challenge.scheme === 'basic') {
      const usable = this.guardPlainHttp(baseUrl, credentials)
      return usable && usable.username !== undefined ? basicHeader(usable) : undefined
    }

    // The challenge may ask for more than we knew we needed (several scopes, insufficient_scope).
    const wanted = [...scopes, ...(challenge.params.scope?.split(' ').filter(Boolean) ?? [])]
    const key = `${selected.key}\0${scopeKey(wanted)}`
    const tokens = this.state(host).tokens
    const cached = tokens.get(key)
    if (cached) {
      const token = await cached
      if (token.expiresAt > this.now()) return `Bearer ${token.token}`
    }

    const fetching = this.fetchToken(baseUrl, challenge, [...new Set(wanted)], selected.lookup)
    tokens.set(key, fetching)
    fetching.catch(() => tokens.delete(key))
    return `Bearer ${(await fetching).token}`
  }

  private async fetchToken(
    baseUrl: string,
    challenge: Challenge,
    scopes: string[],
    lookup: CredentialLookup,
  ): Promise<{token: string; expiresAt: number}> {
    const {realm, service} = challenge.params
    if (!realm) throw unauthorized(`${new URL(baseUrl).host} sent a Bearer challenge without a realm`, baseUrl)
    const usable = this.guardPlainHttp(realm, lookup.credentials)
    const url = new URL(realm)
    const headers: Record<string, string> = {accept: 'application/json'}
    let body: string | undefined
    let method: 'GET' | 'POST' = 'GET'
    if (usable?.identityToken) {
      // docker's identity tokens are OAuth2 refresh tokens: exchange them with a form POST.
      method = 'POST'
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: usable.identityToken,
        client_id: 'registryctl',
      })
      if (service) form.set('service', service)
      if (scopes.length > 0) form.set('scope', scopes.join(' '))
      body = form.toString()
      headers['content-type'] = 'application/x-www-form-urlencoded'
    } else {
      if (service) url.searchParams.set('service', service)
      for (const scope of scopes) url.searchParams.append('scope', scope)
      if (usable?.username !== undefined) headers.authorization = basicHeader(usable)
    }

    const response = await this.transport.request(url.toString(), {method, headers, body})
    if (response.status === 401 || response.status === 403) {
      const tried = usable
        ? `credentials from ${usable.source} were rejected`
        : lookup.tried.length > 0
          ? `no credentials found (tried: ${lookup.tried.join(', ')})`
          : 'no credentials'
      throw unauthorized(
        `token server ${url.host} refused a token for ${scopes.join(' ') || 'the registry'}: ${tried}`,
        url.toString(),
        response.status,
      )
    }

    if (response.status !== 200) {
      throw unauthorized(`token server ${url.host} answered ${response.status}`, url.toString(), response.status)
    }

    let parsed: {token?: string; access_token?: string; expires_in?: number}
    try {
      parsed = JSON.parse(response.body.toString('utf8')) as typeof parsed
    } catch {
      throw unauthorized(`token server ${url.host} answered something that is not JSON`, url.toString(), 200)
    }

    const token = parsed.token ?? parsed.access_token
    if (!token) throw unauthorized(`token server ${url.host} answered without a token`, url.toString(), 200)
    const lifetime =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_LIFETIME_S
    // Renew a little early so a token does not expire between the check and the request.
    const margin = Math.min(10, lifetime / 10)
    return {token, expiresAt: this.now() + (lifetime - margin) * 1000}
  }
}
