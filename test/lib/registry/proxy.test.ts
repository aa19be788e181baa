import {strict as assert} from 'node:assert'

import {UsageError} from '../../../src/lib/errors.js'
import {
  chooseProxy,
  maskProxyUrl,
  noProxyMatches,
  parseProxy,
  proxyEnvironment,
} from '../../../src/lib/registry/proxy.js'

describe('proxy: curl rules', () => {
  describe('NO_PROXY matching', () => {
    const cases: Array<[list: string, host: string, port: string, expected: boolean]> = [
      // Names: the name itself and every name below it; no partial labels.
      ['example.com', 'example.com', '443', true],
      ['example.com', 'www.example.com', '443', true],
      ['example.com', 'notexample.com', '443', false],
      ['example.com', 'example.com.org', '443', false],
      ['.example.com', 'www.example.com', '443', true],
      ['.example.com', 'example.com', '443', true],
      ['.example.com', 'notexample.com', '443', false],
      // Suffix without a dot matches below it, as curl's "ample.com" matches "www.ample.com".
      ['wmnet', 'docker-registry.discovery.wmnet', '443', true],
      // Case-insensitive, trailing dots ignored, separators commas and spaces.
      ['Example.COM', 'www.example.com', '443', true],
      ['example.com.', 'example.com', '443', true],
      ['foo.org, bar.org  example.com', 'example.com', '443', true],
      ['foo.org,bar.org', 'example.com', '443', false],
      // IPv4: exact, CIDR; never as a suffix.
      ['127.0.0.1', '127.0.0.1', '5000', true],
      ['127.0.0.1', '127.0.0.10', '5000', false],
      ['0.0.1', '127.0.0.1', '5000', false],
      ['10.0.0.0/8', '10.64.3.2', '443', true],
      ['10.0.0.0/8', '11.0.0.1', '443', false],
      ['192.168.0.0/16', 'registry.192.168.example', '443', false],
      // IPv6: with or without brackets, any spelling, CIDR.
      ['::1', '[::1]', '5000', true],
      ['[::1]', '::1', '5000', true],
      ['0:0:0:0:0:0:0:1', '[::1]', '5000', true],
      ['fd00::/8', '[fd12:3456::1]', '443', true],
      ['fd00::/8', '[fe80::1]', '443', false],
      // Ports: only that port; no port, every port.
      ['registry.example:5000', 'registry.example', '5000', true],
      ['registry.example:5000', 'registry.example', '443', false],
      ['127.0.0.1:5000', '127.0.0.1', '5000', true],
      ['127.0.0.1:5000', '127.0.0.1', '5001', false],
      ['[::1]:5000', '[::1]', '5000', true],
      ['[::1]:5000', '[::1]', '443', false],
      // `*` bypasses every host.
      ['*', 'anything.example', '443', true],
      ['foo.org,*', 'anything.example', '443', true],
      // No implicit exception for localhost (curl has none).
      ['example.com', 'localhost', '5000', false],
      ['', 'example.com', '443', false],
    ]
    for (const [list, host, port, expected] of cases) {
      it(`${JSON.stringify(list)} ${expected ? 'matches' : 'does not match'} ${host}:${port}`, () => {
        assert.equal(noProxyMatches(list, host, port), expected)
      })
    }
  })

  describe('which variable', () => {
    it('https: https_proxy before HTTPS_PROXY, then all_proxy, ALL_PROXY', () => {
      const env = {HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128', ALL_PROXY: 'all:1'}
      assert.equal(chooseProxy('https://r.example/v2/', proxyEnvironment(env)).proxy?.variable, 'https_proxy')
      assert.equal(
        chooseProxy('https://r.example/v2/', proxyEnvironment({HTTPS_PROXY: 'upper:3128'})).proxy?.variable,
        'HTTPS_PROXY',
      )
      assert.equal(
        chooseProxy('https://r.example/', proxyEnvironment({ALL_PROXY: 'all:1'})).proxy?.variable,
        'ALL_PROXY',
      )
      assert.equal(
        chooseProxy('https://r.example/', proxyEnvironment({all_proxy: 'a:1', ALL_PROXY: 'b:1'})).proxy?.variable,
        'all_proxy',
      )
    })

    it('http: http_proxy only in lowercase (curl ignores HTTP_PROXY: httpoxy), and says so', () => {
      const upper = proxyEnvironment({HTTP_PROXY: 'http://evil:3128'})
      assert.equal(chooseProxy('http://r.example/', upper).proxy, undefined)
      assert.deepEqual(upper.ignored, ['HTTP_PROXY'])
      assert.equal(
        chooseProxy('http://r.example/', proxyEnvironment({http_proxy: 'p:3128'})).proxy?.variable,
        'http_proxy',
      )
      // An https proxy does not serve http URLs, nor the reverse.
      assert.equal(chooseProxy('http://r.example/', proxyEnvironment({https_proxy: 'p:3128'})).proxy, undefined)
      assert.equal(chooseProxy('https://r.example/', proxyEnvironment({http_proxy: 'p:3128'})).proxy, undefined)
    })

    it('an empty variable is unset; no_proxy before NO_PROXY; NO_PROXY is matched against the node connected to', () => {
      assert.equal(chooseProxy('https://r.example/', proxyEnvironment({https_proxy: ''})).proxy, undefined)
      const env = proxyEnvironment({https_proxy: 'p:3128', no_proxy: 'node1.example', NO_PROXY: '*'})
      assert.equal(chooseProxy('https://r.example/', env).proxy?.variable, 'https_proxy')
      assert.match(
        (chooseProxy('https://service.example/', env, 'node1.example') as {direct: string}).direct,
        /no_proxy/,
      )
    })

    it('defaults: http:// scheme, port 1080 (curl); other schemes are refused when used, naming the variable', () => {
      assert.equal(parseProxy('proxy.example', 'https_proxy').url.href, 'http://proxy.example:1080/')
      const env = proxyEnvironment({https_proxy: 'socks5://user:secret@p:1080', http_proxy: 'p:3128'})
      assert.ok(chooseProxy('http://r.example/', env).proxy)
      assert.throws(
        () => chooseProxy('https://r.example/', env),
        (error: Error) =>
          error instanceof UsageError && /https_proxy/.test(error.message) && !/secret/.test(error.message),
      )
    })
  })

  it('masks the password of a proxy URL', () => {
    const proxy = parseProxy('http://build:s3cr%40t@proxy.example:3128', 'https_proxy')
    assert.equal(maskProxyUrl(proxy.url), 'http://build:***@proxy.example:3128')
    assert.equal(proxy.shown, 'http://build:***@proxy.example:3128 (https_proxy)')
  })
})
