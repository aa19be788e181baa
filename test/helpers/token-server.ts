/**
 * A small docker token server (the "token" auth of distribution): checks Basic credentials, grants
 * actions per user, and signs an RS256 JWT whose x5c header carries the issuer certificate the
 * registry trusts through `auth.token.rootcertbundle`.
 */
import {createSign, randomUUID} from 'node:crypto'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import type {RegistryProcessOptions} from '../../src/sandbox/registry-process.js'
import {makeSigningCertificate} from './tls.js'

export const TOKEN_SERVICE = 'registryctl-test-registry'
export const TOKEN_ISSUER = 'registryctl-test-issuer'

export interface Grant {
  password: string
  /** Actions granted on every repository (e.g. ['pull'] or ['pull', 'push', 'delete']). */
  actions: string[]
  catalog?: boolean
}

export interface RunningTokenServer {
  realm: string
  certPath: string
  /** Every token request received: scopes asked for and the user (undefined: anonymous). */
  requests: Array<{user?: string; scopes: string[]}>
  stop(): Promise<void>
}

/** The registry's `auth.token` settings that trust this token server (startRegistry's tokenAuth). */
export function tokenAuthOf(
  tokens: Pick<RunningTokenServer, 'realm' | 'certPath'>,
): NonNullable<RegistryProcessOptions['tokenAuth']> {
  return {realm: tokens.realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootCertBundle: tokens.certPath}
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url')

export async function startTokenServer(
  users: Record<string, Grant>,
  options: {expiresIn?: number} = {},
): Promise<RunningTokenServer> {
  const {certPath, keyPem, certDer} = makeSigningCertificate()
  const requests: RunningTokenServer['requests'] = []
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://token')
    const scopes = url.searchParams
      .getAll('scope')
      .flatMap((scope) => scope.split(' '))
      .filter(Boolean)
    let user: string | undefined
    const header = request.headers.authorization
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString()
      const colon = decoded.indexOf(':')
      user = decoded.slice(0, colon)
      if (users[user]?.password !== decoded.slice(colon + 1)) {
        response.writeHead(401, {'content-type': 'application/json'}).end('{"details":"invalid credentials"}')
        return
      }
    }

    requests.push({user, scopes})
    const grant = user ? users[user] : undefined
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':') as [string, string, string]
      if (type === 'registry' && name === 'catalog') return grant?.catalog ? [{type, name, actions: ['*']}] : []
      if (type !== 'repository' || !grant) return []
      const allowed = (actions ?? '').split(',').filter((action) => grant.actions.includes(action))
      return [{type, name, actions: allowed}]
    })
    const now = Math.floor(Date.now() / 1000)
    const expiresIn = options.expiresIn ?? 300
    const jwtHeader = {typ: 'JWT', alg: 'RS256', x5c: [certDer.toString('base64')]}
    const claims = {
      iss: TOKEN_ISSUER,
      sub: user ?? '',
      aud: TOKEN_SERVICE,
      exp: now + expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access,
    }
    const signingInput = `${base64url(JSON.stringify(jwtHeader))}.${base64url(JSON.stringify(claims))}`
    const signature = createSign('RSA-SHA256').update(signingInput).sign(keyPem)
    const token = `${signingInput}.${base64url(signature)}`
    response
      .writeHead(200, {'content-type': 'application/json'})
      .end(JSON.stringify({token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString()}))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certPath,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
