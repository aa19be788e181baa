import {strict as assert} from 'node:assert'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {ExitCode} from '../../../src/lib/errors.js'
import {checkResponse, SmokeRunner, smokeExitCode, summarize} from '../../../src/lib/smoke/runner.js'
import {parseSuite, type TestCase} from '../../../src/lib/smoke/suite.js'

const oneCase = (yaml: string): TestCase => parseSuite(`https://svc.example:\n- path: /\n${yaml}`, 's.yaml')[0]!
const answer = (status: number, headers: Record<string, string | string[]>, body = '') => ({
  status,
  headers,
  body: Buffer.from(body),
})

describe('smoke/runner', () => {
  describe('checkResponse', () => {
    it('passes when every assertion holds, header names case-insensitive', () => {
      const testCase = oneCase(
        [
          '  assert_status: 200',
          '  assert_headers: {Docker-Distribution-Api-Version: registry/2.0}',
          '  assert_headers_regex: {content-type: json}',
          '  assert_headers_absent: [Set-Cookie]',
          '  assert_body_contains: repositories',
          '  assert_body_regex: ^\\{',
        ].join('\n'),
      )
      const headers = {
        'docker-distribution-api-version': 'registry/2.0',
        'content-type': 'application/json; charset=utf-8',
      }
      assert.deepEqual(checkResponse(testCase, answer(200, headers, '{"repositories": []}')), [])
    })

    it('lists every failed assertion with what was expected and what came back', () => {
      const testCase = oneCase(
        [
          '  assert_status: 200',
          '  assert_headers: {X-Exact: "a"}',
          '  assert_headers_regex: {X-Missing: .}',
          '  assert_headers_absent: [Set-Cookie]',
          '  assert_body_contains: needle',
          '  assert_body_regex: ^needle$',
        ].join('\n'),
      )
      const failures = checkResponse(
        testCase,
        answer(503, {'x-exact': 'ab', 'set-cookie': ['a=1', 'b=2']}, 'x'.repeat(300)),
      )
      assert.deepEqual(
        failures.map(
          ({assertion, expected, actual}) =>
            `${assertion}|${expected}|${actual.length > 20 ? `${actual.slice(0, 3)}…(${actual.length})` : actual}`,
        ),
        [
          'assert_status|200|503',
          'assert_headers X-Exact|a|ab',
          'assert_headers_regex X-Missing|/./|(absent)',
          'assert_headers_absent Set-Cookie|(absent)|a=1, b=2',
          'assert_body_contains|needle|xxx…(201)',
          'assert_body_regex|/^needle$/|xxx…(201)',
        ],
      )
    })

    it('matches header values exactly and regexes partially', () => {
      const testCase = oneCase(
        '  assert_headers: {Cache-Control: no-cache}\n  assert_headers_regex: {Cache-Control: cache}',
      )
      assert.equal(checkResponse(testCase, answer(200, {'cache-control': 'no-cache, private'})).length, 1)
      assert.equal(checkResponse(testCase, answer(200, {'cache-control': 'no-cache'})).length, 0)
    })

    it('decodes the body only for a case that asserts on it', () => {
      const unreadable = {
        status: 200,
        headers: {},
        body: {toString: () => assert.fail('body decoded')} as unknown as Buffer,
      }
      assert.deepEqual(
        checkResponse(oneCase('  assert_status: 200\n  assert_headers: {X-A: b}'), {
          ...unreadable,
          headers: {'x-a': 'b'},
        }),
        [],
      )
      assert.throws(() => checkResponse(oneCase('  assert_body_contains: x'), unreadable), /body decoded/)
    })
  })

  describe('url', () => {
    it('names the suite, on the port of each host (or of the scheme), for every case', () => {
      const runner = new SmokeRunner({httpPort: 8080, httpsPort: 8443})
      const [a, b] = parseSuite(
        'http://svc.example:\n- path: /a\n- path: /b\nhttps://other.example:5001:\n- path: /c\n',
        's.yaml',
      ) as [TestCase, TestCase]
      const c = parseSuite('https://other.example:5001:\n- path: /c\n', 's.yaml')[0]!
      assert.deepEqual(
        [
          runner.url(a, 'node1'),
          runner.url(b, 'node1'),
          runner.url(a, 'node2:5000'),
          runner.url(c, 'node1'),
          runner.url(c, '[::1]:6000'),
          runner.url({...a, name: '[::1]:7000'}, 'node1'),
        ],
        [
          'http://svc.example:8080/a',
          'http://svc.example:8080/b',
          'http://svc.example:5000/a',
          'https://other.example:8443/c',
          'https://other.example:6000/c',
          'http://[::1]:8080/a',
        ],
      )
    })
  })

  describe('against a server', () => {
    let server: Server
    let port: number
    const seen: IncomingMessage[] = []
    let slowRequests = 0
    before(async () => {
      server = createServer((request, response) => {
        seen.push(request)
        if (request.url === '/redirect') {
          response.writeHead(301, {location: '/elsewhere'}).end()
        } else if (request.url === '/slow-once') {
          slowRequests++
          if (slowRequests === 1) setTimeout(() => response.end('late'), 1500)
          else response.end('on time')
        } else if (request.url === '/post') {
          let body = ''
          request.on('data', (chunk: Buffer) => (body += chunk.toString()))
          request.on('end', () =>
            response
              .writeHead(200, {'content-type': 'text/plain'})
              .end(`${request.method} ${request.headers['content-type']} ${body}`),
          )
        } else {
          response.writeHead(200, {'x-host': request.headers.host ?? ''}).end('hello')
        }
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      port = (server.address() as AddressInfo).port
    })
    after(() => server.close())
    beforeEach(() => {
      seen.length = 0
      slowRequests = 0
    })

    const parse = (path: string, yaml = '') => parseSuite(`http://svc.example:\n- path: ${path}\n${yaml}`, 's.yaml')

    it('connects to the host while sending the suite name as Host', async () => {
      const runner = new SmokeRunner({httpPort: port})
      const [result] = await runner.run(parse('/', '  assert_status: 200\n  assert_headers: {X-Host: svc.example}'), [
        '127.0.0.1',
      ])
      assert.deepEqual([result!.passed, result!.failed, result!.unreachable], [1, 0, false])
      assert.equal(result!.cases[0]!.url, `http://svc.example:${port}/`)
      assert.equal(result!.cases[0]!.via, '127.0.0.1')
      assert.equal(seen[0]!.headers.host, 'svc.example')
    })

    it('does not follow redirects', async () => {
      const [result] = await new SmokeRunner({httpPort: port}).run(
        parse('/redirect', '  assert_status: 301\n  assert_headers: {Location: /elsewhere}'),
        ['127.0.0.1'],
      )
      assert.equal(result!.failed, 0, JSON.stringify(result))
      assert.equal(seen.length, 1)
    })

    it('sends json_body as a JSON POST', async () => {
      const [result] = await new SmokeRunner({httpPort: port}).run(
        parse('/post', '  json_body: {a: 1}\n  assert_body_contains: POST application/json {"a":1}'),
        ['127.0.0.1'],
      )
      assert.equal(result!.failed, 0, JSON.stringify(result))
    })

    it('times out per request, and tries once more only with retryOnTimeout', async () => {
      const cases = parse('/slow-once', '  assert_body_contains: on time')
      const [without] = await new SmokeRunner({httpPort: port, timeoutMs: 300}).run(cases, ['127.0.0.1'])
      assert.deepEqual([without!.failed, without!.unreachable], [1, true])
      assert.match(without!.cases[0]!.error!, /timed out|timeout/i)
      assert.ok(
        without!.cases[0]!.durationMs! >= 290 && without!.cases[0]!.durationMs! < 1500,
        `took ${without!.cases[0]!.durationMs} ms`,
      )
      slowRequests = 0
      const [withRetry] = await new SmokeRunner({httpPort: port, timeoutMs: 300, retryOnTimeout: true}).run(cases, [
        '127.0.0.1',
      ])
      assert.equal(withRetry!.failed, 0, JSON.stringify(withRetry))
      assert.equal(slowRequests, 2)
    })

    it("uses a host's own port over the scheme's", async () => {
      const [result] = await new SmokeRunner({httpPort: 1}).run(parse('/', '  assert_status: 200'), [
        `127.0.0.1:${port}`,
      ])
      assert.equal(result!.failed, 0, JSON.stringify(result))
      assert.equal(seen[0]!.headers.host, 'svc.example')
    })

    it('marks a host unreachable only when no request reached it', async () => {
      const runner = new SmokeRunner({httpPort: port, timeoutMs: 2000})
      const results = await runner.run(parse('/', '  assert_status: 404'), ['127.0.0.1', '127.0.0.1:1'])
      // A wrong answer is a failure, not unreachability; a refused connection is.
      assert.deepEqual(
        results.map((host) => [host.host, host.failed, host.unreachable]),
        [
          ['127.0.0.1', 1, false],
          ['127.0.0.1:1', 1, true],
        ],
      )
      assert.match(results[1]!.cases[0]!.error!, /refused/i)
    })
  })
})

describe('smoke/runner smokeExitCode', () => {
  const host = (name: string, cases: Array<{error?: string; errorExitCode?: number; failures?: number}>) =>
    summarize(
      name,
      cases.map((c, line) => ({
        file: 'f',
        line,
        url: 'u',
        via: 'h',
        failures: Array.from({length: c.failures ?? 0}, () => ({assertion: 'a', expected: 'e', actual: 'x'})),
        error: c.error,
        errorExitCode: c.errorExitCode,
      })),
    )

  it('is 0 when all pass, 1 for a failed assertion or a failed request on a reachable host', () => {
    assert.equal(smokeExitCode([host('a', [{}, {}])]), ExitCode.OK)
    assert.equal(smokeExitCode([host('a', [{}, {failures: 2}])]), ExitCode.CHECK_FAILED)
    assert.equal(smokeExitCode([host('a', [{}, {error: 'timeout', errorExitCode: 3}])]), ExitCode.CHECK_FAILED)
  })

  it('is 3 when a host was unreachable, 4 when TLS was the only reason, over failed assertions', () => {
    assert.equal(
      smokeExitCode([host('a', [{failures: 1}]), host('b', [{error: 'refused', errorExitCode: 3}])]),
      ExitCode.UNREACHABLE,
    )
    assert.equal(
      smokeExitCode([host('a', [{failures: 1}]), host('b', [{error: 'cert', errorExitCode: 4}])]),
      ExitCode.TLS,
    )
    assert.equal(
      smokeExitCode([
        host('b', [{error: 'cert', errorExitCode: 4}]),
        host('c', [{error: 'refused', errorExitCode: 3}]),
      ]),
      ExitCode.UNREACHABLE,
    )
  })
})
