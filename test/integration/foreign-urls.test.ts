/**
 * Absolute URLs the registry hands back (a blob upload's Location, a listing's Link) that name
 * another host than the one the operator gave. Distribution builds them from `http.host` (or the Host
 * it was asked with): a registry configured with its internal name, behind nginx, sends clients to a
 * host they never named. They are followed on the named registry, and no credential leaves it.
 * Also: a docker config.json of the wrong shape is a usage error naming the file.
 */
import {strict as assert} from 'node:assert'
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {
  freePort,
  registryConfig,
  type RunningRegistry,
  startRegistry,
  stopProcess,
} from '../../src/sandbox/registry-process.js'
import {runCli} from '../helpers/cli.js'
import {type RunningNginx, startNginx, USERS} from '../helpers/nginx.js'
import {type RunningTokenServer, startTokenServer, tokenAuthOf} from '../helpers/token-server.js'

interface Seen {
  method: string
  path: string
  authorization?: string
}

/** A host nobody named, on another loopback address, recording what it is sent. */
async function startRecorder(seen: Seen[]): Promise<{origin: string; close(): Promise<void>}> {
  const server: Server = createServer((request, response) => {
    seen.push({method: request.method ?? '', path: request.url ?? '', authorization: request.headers.authorization})
    response.writeHead(204).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve))
  const {port} = server.address() as AddressInfo
  return {origin: `http://127.0.0.2:${port}`, close: () => new Promise((resolve) => server.close(() => resolve()))}
}

/** docker-registry with `http.host` set: the absolute URLs it generates name that host. */
async function startRegistryWithHost(host: string): Promise<{host: string; stop(): Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), 'registryctl-foreign-'))
  const port = await freePort()
  const config = registryConfig({rootDirectory: join(dir, 'store'), port}) as {http: Record<string, unknown>}
  config.http.host = host
  await writeFile(join(dir, 'config.yml'), JSON.stringify(config))
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {stdio: 'ignore'})
  const deadline = Date.now() + 15_000
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v2/`)).status === 200) break
    } catch {
      if (Date.now() > deadline) throw new Error('docker-registry did not start')
    }

    await new Promise((resolve) => setTimeout(resolve, 50))
  }

  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      await stopProcess(child, 'SIGTERM')
      await rm(dir, {recursive: true, force: true})
    },
  }
}

describe('absolute URLs from the registry naming another host @integration', () => {
  const seen: Seen[] = []
  let recorder: Awaited<ReturnType<typeof startRecorder>>
  let registry: Awaited<ReturnType<typeof startRegistryWithHost>>
  let nginx: RunningNginx
  before(async function () {
    this.timeout(60_000)
    recorder = await startRecorder(seen)
    registry = await startRegistryWithHost(recorder.origin)
    nginx = await startNginx(registry.host)
  })
  after(async () => {
    await nginx?.stop()
    await registry?.stop()
    await recorder?.close()
  })
  beforeEach(() => {
    seen.length = 0
  })

  it("gc status's write probe cancels its upload on the named registry, whatever host the Location names", async () => {
    const user = USERS.push
    const result = await runCli(
      ['gc', 'status', nginx.host, '--ca-file', nginx.pki.caCert, '--username', user.username, '--password-stdin'],
      {input: `${user.password}\n`},
    )
    assert.deepEqual(seen, [], `requests went to ${recorder.origin}, a host nobody named: ${JSON.stringify(seen)}`)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /writable/i)
  })

  // A config.json that is JSON of the wrong shape: one line naming the file, exit 2.
  for (const [label, config] of [
    ['"auths" a string', '{"auths": "x"}'],
    ['an auths entry null', '{"auths": {"HOST": null}}'],
    ['"auth" a number', '{"auths": {"HOST": {"auth": 5}}}'],
  ] as const) {
    it(`a docker config with ${label} is a usage error (exit 2), not an internal error`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'registryctl-docker-config-'))
      try {
        await writeFile(join(dir, 'config.json'), config.replace('HOST', nginx.host))
        const result = await runCli(['list-tags', `${nginx.host}/restricted/app`, '--ca-file', nginx.pki.caCert], {
          env: {DOCKER_CONFIG: dir},
        })
        assert.equal(result.code, 2, result.stderr)
        assert.doesNotMatch(result.stderr, /internal error/)
        assert.match(result.stderr, /config\.json/)
      } finally {
        await rm(dir, {recursive: true, force: true})
      }
    })
  }
  // A credential helper answering JSON that is not an object: one line, exit 2.
  it('a credential helper answering null is a usage error (exit 2), not an internal error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'registryctl-helper-'))
    try {
      await writeFile(join(dir, 'config.json'), JSON.stringify({credsStore: 'answers-null'}))
      await writeFile(join(dir, 'docker-credential-answers-null'), '#!/bin/sh\ncat >/dev/null\necho null\n', {
        mode: 0o755,
      })
      const result = await runCli(['list-tags', `${nginx.host}/restricted/app`, '--ca-file', nginx.pki.caCert], {
        env: {DOCKER_CONFIG: dir, PATH: `${dir}:${process.env.PATH ?? ''}`},
      })
      assert.doesNotMatch(result.stderr, /internal error/)
      assert.equal(result.code, 2, result.stderr)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('a Link header naming another host', () => {
  const seen: Array<Seen & {server: string}> = []
  const BASIC = `Basic ${Buffer.from('operator:registry-secret').toString('base64')}`
  let registry: Server
  let other: Server
  let otherOrigin: string
  let registryHost: string
  before(async () => {
    other = createServer((request, response) => {
      seen.push({
        server: 'other',
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
      })
      response.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({name: 'app', tags: []}))
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve))
    otherOrigin = `http://127.0.0.2:${(other.address() as AddressInfo).port}`
    registry = createServer((request, response) => {
      seen.push({
        server: 'registry',
        method: request.method ?? '',
        path: request.url ?? '',
        authorization: request.headers.authorization,
      })
      if (request.url === '/v2/') response.writeHead(200).end()
      else if (request.headers.authorization !== BASIC)
        response.writeHead(401, {'www-authenticate': 'Basic realm="registry"'}).end()
      else if (request.url?.includes('last=a'))
        response.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({name: 'app', tags: ['b']}))
      else
        response
          .writeHead(200, {
            'content-type': 'application/json',
            link: `<${otherOrigin}/v2/app/tags/list?last=a&n=1000>; rel="next"`,
          })
          .end(JSON.stringify({name: 'app', tags: ['a']}))
    })
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve))
    registryHost = `127.0.0.1:${(registry.address() as AddressInfo).port}`
  })
  after(async () => {
    await Promise.all([
      new Promise((resolve) => registry?.close(resolve)),
      new Promise((resolve) => other?.close(resolve)),
    ])
  })

  it('list-tags reads the next page on the named registry, and no credential goes to the host the Link names', async () => {
    const result = await runCli(
      ['list-tags', `${registryHost}/app`, '--sort', 'name', '--username', 'operator', '--password-stdin'],
      {input: 'registry-secret\n'},
    )
    assert.deepEqual(
      seen.filter((request) => request.server === 'other'),
      [],
      `requests went to ${otherOrigin}: ${JSON.stringify(seen)}`,
    )
    assert.ok(
      seen.some(
        (request) =>
          request.server === 'registry' &&
          request.path === '/v2/app/tags/list?last=a&n=1000' &&
          request.authorization === BASIC,
      ),
      JSON.stringify(seen),
    )
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, '-- \napp:\n  - a\n  - b\n')
  })
})

describe('a token realm that redirects an identity token elsewhere @integration', () => {
  const seen: Array<{method: string; path: string; authorization?: string; body: string}> = []
  let tokens: RunningTokenServer
  let registry: RunningRegistry
  let redirector: Server
  let other: Server
  let dockerConfig: string
  before(async function () {
    this.timeout(60_000)
    other = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => {
        seen.push({
          method: request.method ?? '',
          path: request.url ?? '',
          authorization: request.headers.authorization,
          body,
        })
        response.writeHead(401).end()
      })
    })
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve))
    const otherOrigin = `http://127.0.0.2:${(other.address() as AddressInfo).port}`
    // The realm the registry names answers every token request with a 307 to another host.
    redirector = createServer((request, response) => {
      request.resume()
      response.writeHead(307, {location: `${otherOrigin}${request.url}`}).end()
    })
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve))
    tokens = await startTokenServer({})
    registry = await startRegistry({
      tokenAuth: {
        ...tokenAuthOf(tokens),
        realm: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/token`,
      },
    })
    dockerConfig = await mkdtemp(join(tmpdir(), 'registryctl-docker-config-'))
    await writeFile(
      join(dockerConfig, 'config.json'),
      JSON.stringify({auths: {[registry.host]: {identitytoken: 'identity-refresh-secret'}}}),
    )
  })
  after(async () => {
    await registry?.stop()
    await tokens?.stop()
    await Promise.all([
      new Promise((resolve) => redirector?.close(resolve)),
      new Promise((resolve) => other?.close(resolve)),
    ])
    if (dockerConfig) await rm(dockerConfig, {recursive: true, force: true})
  })

  // The refresh token is POSTed in the body, which got keeps on a redirect: it never leaves the realm's origin.
  it('never sends the identity token to a host the token realm redirects to', async () => {
    const result = await runCli(['list-tags', `${registry.host}/app`], {env: {DOCKER_CONFIG: dockerConfig}})
    const leaked = seen.filter(
      (request) => request.body.includes('identity-refresh-secret') || request.authorization !== undefined,
    )
    assert.deepEqual(leaked, [], `the refresh token left for 127.0.0.2 (exit ${result.code}): ${JSON.stringify(seen)}`)
    assert.equal(result.code, 9, result.stderr)
    assert.match(
      result.stderr,
      /redirected a POST with a body to 127\.0\.0\.2:\d+; registryctl sends it to no other host/,
    )
  })
})
