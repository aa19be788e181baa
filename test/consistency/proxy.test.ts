/**
 * Proxies, for every command that talks to a registry: with https_proxy/http_proxy set, its traffic
 * goes through the proxy (a real forward proxy on loopback: CONNECT tunnels, absolute-form requests)
 * and it does its job as well as directly; NO_PROXY sends it direct. Then what an operator sees: the
 * proxy's credentials go to the proxy only and are never printed, --debug says which proxy each
 * request used, a proxy that fails is named with its variable, and `config HOST` shows the proxy.
 */
import {strict as assert} from 'node:assert'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'
import {type ForwardProxy, startForwardProxy} from '../helpers/forward-proxy.js'
import {useProduction} from '../helpers/production.js'
import {COMMANDS, runCase, type Target} from './commands.js'

const PROXY_USER = {username: 'build-proxy', password: 'proxy-s3cret'}

describe('proxies from the environment, for every command @integration', () => {
  const production = useProduction()
  let proxy: ForwardProxy
  let authProxy: ForwardProxy
  before(async () => {
    proxy = await startForwardProxy()
    authProxy = await startForwardProxy({auth: PROXY_USER})
  })
  after(async () => {
    await proxy?.stop()
    await authProxy?.stop()
  })

  const targets = (): Array<[string, Target]> => {
    const p = production()
    return [
      ['the TLS front', {host: p.front, dir: p.dir, connection: ['--ca-file', p.caFile], writes: 'realms'}],
      ["the node's own port", {host: p.direct, dir: p.dir, connection: [], writes: 'open'}],
    ]
  }

  const run = (argv: string[], env: NodeJS.ProcessEnv) => runCase(argv, env, production().dir)

  for (const command of COMMANDS.filter((c) => !c.kinds.includes('local'))) {
    it(`${command.id}: goes through https_proxy/http_proxy, and direct for NO_PROXY`, async () => {
      for (const [label, target] of targets()) {
        const argv = await command.argv(target)
        const variables = {https_proxy: proxy.url, http_proxy: proxy.url}
        proxy.reset()
        const proxied = await run(argv, variables)
        assert.notEqual(proxied.code, ExitCode.INTERNAL, `${command.id} against ${label}: ${proxied.stderr}`)
        assert.ok(
          proxy.targets().includes(target.host),
          `${command.id} against ${label} did not go through the proxy (it saw ${JSON.stringify(proxy.targets())}): ${proxied.stderr}`,
        )

        proxy.reset()
        const bypassed = await run(argv, {...variables, NO_PROXY: '127.0.0.1'})
        assert.deepEqual(proxy.records, [], `${command.id} against ${label}: NO_PROXY=127.0.0.1 still used the proxy`)
        // Through the proxy it does its job exactly as well as directly.
        assert.equal(
          proxied.code,
          bypassed.code,
          `${command.id} against ${label}: exit ${proxied.code} through the proxy, ${bypassed.code} direct: ${proxied.stderr}${proxied.stdout.slice(0, 2000)}`,
        )
      }
    })
  }

  describe('what an operator sees', () => {
    const front = () => production().front
    const withCa = () => ['--ca-file', production().caFile]

    it('sends the proxy credentials to the proxy only, and never prints the password (--debug names the proxy)', async () => {
      authProxy.reset()
      const {code, stderr} = await runCli(['list-tags', `${front()}/team/app`, ...withCa(), '--debug'], {
        env: {https_proxy: authProxy.url},
      })
      assert.equal(code, 0, stderr)
      const expected = `Basic ${Buffer.from(`${PROXY_USER.username}:${PROXY_USER.password}`).toString('base64')}`
      assert.ok(authProxy.records.length > 0)
      for (const record of authProxy.records) assert.equal(record.proxyAuthorization, expected)
      const masked = `http://${PROXY_USER.username}:***@127.0.0.1:${authProxy.port} (https_proxy)`
      assert.match(
        stderr,
        new RegExp(
          `GET https://${front()}/v2/team/app/tags/list\\S* -> 200 .*via proxy ${masked.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      )
      assert.doesNotMatch(stderr, new RegExp(PROXY_USER.password))
    })

    it('absolute-form http through http_proxy: each forwarded request carries Proxy-Authorization, the password is never printed', async () => {
      authProxy.reset()
      const {code, stderr} = await runCli(['list-tags', `http://${production().direct}/team/app`, '--debug'], {
        env: {http_proxy: authProxy.url},
      })
      assert.equal(code, 0, stderr)
      const forwarded = authProxy.records.filter((record) => record.kind === 'forward')
      assert.ok(forwarded.length > 0, JSON.stringify(authProxy.records))
      for (const record of forwarded) assert.ok(record.proxyAuthorization?.startsWith('Basic '))
      assert.match(stderr, /-> 200 .*via proxy http:\/\/build-proxy:\*\*\*@/)
      assert.doesNotMatch(stderr, new RegExp(PROXY_USER.password))
    })

    it('--debug says "direct" for a request NO_PROXY exempts', async () => {
      const {code, stderr} = await runCli(['list-tags', `${front()}/team/app`, ...withCa(), '--debug'], {
        env: {https_proxy: proxy.url, no_proxy: '127.0.0.1'},
      })
      assert.equal(code, 0, stderr)
      assert.match(stderr, /tags\/list\S* -> 200 \(\d+ ms, direct\)/)
    })

    it('a proxy that refuses its credentials is named, with its variable and without the password', async () => {
      const wrong = authProxy.url.replace(PROXY_USER.password, 'wrong-pass')
      const {code, stderr} = await runCli(['resolve', `${front()}/team/app:stable`, ...withCa()], {
        env: {HTTPS_PROXY: wrong},
      })
      assert.equal(code, ExitCode.UNREACHABLE, stderr)
      assert.match(stderr, /proxy http:\/\/build-proxy:\*\*\*@127\.0\.0\.1:\d+ \(HTTPS_PROXY\) answered 407/)
      assert.doesNotMatch(stderr, /wrong-pass/)
    })

    it('a refused or unresolvable proxy is the error, naming the proxy and its variable, not the registry', async () => {
      const refused = await runCli(['resolve', `${front()}/team/app:stable`, ...withCa()], {
        env: {https_proxy: 'http://user:hidden@127.0.0.1:1'},
      })
      assert.equal(refused.code, ExitCode.UNREACHABLE, refused.stderr)
      assert.match(
        refused.stderr,
        /^registryctl: connection refused by proxy http:\/\/user:\*\*\*@127\.0\.0\.1:1 \(https_proxy\) \(the proxy comes from https_proxy/m,
      )
      assert.doesNotMatch(refused.stderr, /hidden/)
      const unknown = await runCli(['list-tags', `http://${production().direct}/team/app`], {
        env: {http_proxy: 'proxy.invalid:3128'},
      })
      assert.equal(unknown.code, ExitCode.UNREACHABLE, unknown.stderr)
      assert.match(
        unknown.stderr,
        /cannot resolve proxy host proxy\.invalid \(http:\/\/proxy\.invalid:3128 \(http_proxy\)\)/,
      )
    })

    it('gc status --config: the object store (Swift) is reached through the proxy too', async () => {
      const config = join(production().dir, 'swift-behind-proxy.yml')
      const swift = {authurl: 'http://swift.invalid:8080/auth/v1.0', username: 'a:b', password: 'k', container: 'c'}
      await writeFile(config, JSON.stringify({version: 0.1, storage: {swift}}))
      proxy.reset()
      const {code, stderr} = await runCli(['gc', 'status', '--config', config, '--retries', '0'], {
        env: {http_proxy: proxy.url},
      })
      assert.notEqual(code, 0)
      assert.deepEqual(proxy.targets(), ['swift.invalid:8080'], stderr)
    })

    it('config HOST shows the proxy that applies to that host, masked', async () => {
      const env = {https_proxy: authProxy.url, NO_PROXY: 'internal.example'}
      const shown = await runCli(['config', front()], {env})
      assert.equal(shown.code, 0, shown.stderr)
      assert.match(shown.stdout, /proxy \(https\): http:\/\/build-proxy:\*\*\*@127\.0\.0\.1:\d+ \(https_proxy\)/)
      assert.match(shown.stdout, /proxy \(http\): +direct \(no http_proxy set\)/)
      assert.doesNotMatch(shown.stdout, new RegExp(PROXY_USER.password))
      const exempt = await runCli(['config', 'registry.internal.example', '--json'], {env})
      assert.equal(JSON.parse(exempt.stdout).proxy.https, 'direct (NO_PROXY matches registry.internal.example)')
      assert.doesNotMatch(exempt.stdout, new RegExp(PROXY_USER.password))
    })
  })
})
