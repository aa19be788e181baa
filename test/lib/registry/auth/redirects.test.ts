/**
 * Credentials stay with the registry the operator named. Three HTTP servers on three loopback
 * addresses play the registry, a redirect target and a third host; every request they receive is
 * recorded with its Authorization and Cookie headers. Every combination of redirect target (the
 * registry itself, another host) and realm host (the registry, the redirect target, a third host) is
 * tried, with Bearer and Basic challenges.
 */
import {strict as assert} from 'node:assert'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

import {ExitCode, type RegistryCtlError} from '../../../../src/lib/errors.js'
import {localSession} from '../../../helpers/registry.js'

const USER = {username: 'operator', password: 'registry-secret'}
const BASIC = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`

interface Seen {
  server: string
  method: string
  path: string
  authorization?: string
  cookie?: string
}

interface TestServer {
  name: string
  origin: string
  host: string
  handle?: (request: IncomingMessage, response: ServerResponse) => void
  close(): Promise<void>
}

async function startServer(name: string, address: string, seen: Seen[]): Promise<TestServer> {
  const holder: TestServer = {name, origin: '', host: '', close: async () => {}}
  const server: Server = createServer((request, response) => {
    seen.push({
      server: name,
      method: request.method ?? '',
      path: request.url ?? '',
      authorization: request.headers.authorization,
      cookie: request.headers.cookie,
    })
    if (request.url?.startsWith('/token')) {
      response
        .writeHead(200, {'content-type': 'application/json'})
        .end(JSON.stringify({token: `token-from-${name}`, expires_in: 300}))
      return
    }

    if (holder.handle) holder.handle(request, response)
    else response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, address, resolve))
  const {port} = server.address() as AddressInfo
  holder.host = `${address}:${port}`
  holder.origin = `http://${holder.host}`
  holder.close = () => new Promise((resolve) => server.close(() => resolve()))
  return holder
}

type Target = 'same host' | 'other host'
type Realm = 'registry' | 'redirect target' | 'third host'

describe('auth: challenges after redirects, and token realms on other hosts', () => {
  const seen: Seen[] = []
  let registry: TestServer
  let target: TestServer
  let third: TestServer
  before(async () => {
    registry = await startServer('registry', '127.0.0.1', seen)
    target = await startServer('target', '127.0.0.2', seen)
    third = await startServer('third', '127.0.0.3', seen)
  })
  after(async () => {
    await Promise.all([registry?.close(), target?.close(), third?.close()])
  })
  beforeEach(() => {
    seen.length = 0
  })

  const realmOrigin = (realm: Realm) =>
    (realm === 'registry' ? registry : realm === 'redirect target' ? target : third).origin

  /**
   * The registry redirects the tag list (to itself or to the target); whoever serves the redirected
   * path demands auth with the given scheme and realm, and answers 200 when it gets a token or Basic.
   */
  function configure(redirect: Target, realm: Realm, scheme: 'bearer' | 'basic'): void {
    const challenge =
      scheme === 'bearer'
        ? `Bearer realm="${realmOrigin(realm)}/token",service="svc",scope="repository:app:pull"`
        : 'Basic realm="protected"'
    const serveProtected = (request: IncomingMessage, response: ServerResponse) => {
      const auth = request.headers.authorization
      if (auth && (auth.startsWith('Bearer token-from-') || auth === BASIC)) {
        response
          .writeHead(200, {'content-type': 'application/json'})
          .end(JSON.stringify({name: 'app', tags: ['served']}))
      } else {
        response
          .writeHead(401, {'www-authenticate': challenge, 'content-type': 'application/json'})
          .end('{"errors":[{"code":"UNAUTHORIZED"}]}')
      }
    }

    const destination = `${redirect === 'same host' ? registry.origin : target.origin}/elsewhere/app/tags`
    registry.handle = (request, response) => {
      if (request.url === '/v2/') {
        response.writeHead(200, {'set-cookie': 'session=registry-cookie; Path=/'}).end()
      } else if (request.url?.startsWith('/v2/app/tags/list')) {
        response.writeHead(302, {location: destination, 'set-cookie': 'session=registry-cookie; Path=/'}).end()
      } else if (request.url?.startsWith('/v2/app/manifests/')) {
        // Open to anyone: a request here shows what the client remembered for the registry.
        response
          .writeHead(200, {
            'docker-content-digest': `sha256:${'a'.repeat(64)}`,
            'content-type': 'application/vnd.oci.image.manifest.v1+json',
            'content-length': '2',
          })
          .end()
      } else if (request.url?.startsWith('/elsewhere/')) {
        serveProtected(request, response)
      } else {
        response.writeHead(404).end()
      }
    }

    target.handle = (request, response) =>
      request.url?.startsWith('/elsewhere/') ? serveProtected(request, response) : response.writeHead(404).end()
  }

  const withCredentials = (from: Seen[]) =>
    from.filter((request) => request.authorization !== undefined || request.cookie !== undefined)

  for (const scheme of ['bearer', 'basic'] as const) {
    for (const realm of (scheme === 'bearer'
      ? ['registry', 'redirect target', 'third host']
      : ['registry']) as Realm[]) {
      const label = scheme === 'bearer' ? `Bearer realm on the ${realm}` : 'Basic'
      it(`redirect to the same host, ${label}: the registry's own challenge is answered`, async () => {
        configure('same host', realm, scheme)
        const client = localSession({explicit: USER}).client({host: registry.host})
        assert.deepEqual(await client.tags('app'), ['served'])
        const sent = withCredentials(seen)
        if (scheme === 'basic') {
          assert.ok(
            sent.every((request) => request.server === 'registry' && request.authorization === BASIC),
            JSON.stringify(sent),
          )
        } else {
          // The registry's Basic credentials go only to the realm its own challenge named.
          const realmName = realm === 'registry' ? 'registry' : realm === 'redirect target' ? 'target' : 'third'
          for (const request of sent) {
            if (request.authorization === BASIC) assert.equal(request.server, realmName, JSON.stringify(request))
            else assert.equal(request.server, 'registry', JSON.stringify(request))
          }

          assert.ok(
            sent.some((request) => request.path.startsWith('/token') && request.authorization === BASIC),
            JSON.stringify(seen),
          )
        }

        assert.ok(
          seen.every((request) => request.cookie === undefined),
          'no cookie is ever sent',
        )
      })

      it(`redirect to another host, ${label}: the target's challenge is not answered, and not remembered for the registry`, async () => {
        configure('other host', realm, scheme)
        const client = localSession({explicit: USER}).client({host: registry.host})
        await assert.rejects(client.tags('app'), (error: RegistryCtlError) => {
          assert.equal(error.exitCode, ExitCode.UNAUTHORIZED)
          assert.match(
            error.message,
            new RegExp(
              `${target.host.replaceAll('.', '\\.')}.*${registry.host.replaceAll('.', '\\.')}|${registry.host.replaceAll('.', '\\.')}.*${target.host.replaceAll('.', '\\.')}`,
            ),
          )
          assert.ok(!error.message.includes(USER.password))
          return true
        })
        // Later requests to the registry carry nothing learned from the target.
        await client.resolve('app', 'latest')
        assert.deepEqual(withCredentials(seen), [], JSON.stringify(seen))
        assert.ok(!seen.some((request) => request.path.startsWith('/token')), 'no token was asked for')
      })
    }
  }

  it('strips the Authorization header when a request answered with credentials is redirected to another host', async () => {
    registry.handle = (request, response) => {
      if (request.headers.authorization !== BASIC) {
        response.writeHead(401, {'www-authenticate': 'Basic realm="registry"'}).end()
      } else if (request.url?.startsWith('/v2/app/blobs/')) {
        response.writeHead(307, {location: `${target.origin}/storage/blob`}).end()
      } else {
        response.writeHead(200).end()
      }
    }

    target.handle = (_request, response) => response.writeHead(200).end('blob')
    const client = localSession({explicit: USER}).client({host: registry.host})
    await assert.rejects(
      client.blob('app', `sha256:${'b'.repeat(64)}`),
      (error: RegistryCtlError) => error.exitCode === ExitCode.REGISTRY,
    )
    const atTarget = seen.filter((request) => request.server === 'target')
    assert.ok(atTarget.length > 0, JSON.stringify(seen))
    assert.ok(
      atTarget.every((request) => request.authorization === undefined && request.cookie === undefined),
      JSON.stringify(atTarget),
    )
    assert.ok(seen.some((request) => request.server === 'registry' && request.authorization === BASIC))
  })
})
