/** Found by an adversarial hunt: a node's body quoted in smoke's failure lines and JUnit report. */
import {strict as assert} from 'node:assert'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'

const BODY = 'nope\u001B]0;owned\u0007\r\nnode9.example: 5 passed, 0 failed\n'

describe('smoke quoting what a node answered', () => {
  let server: Server
  let host: string
  let dir: string
  let suite: string
  before(async () => {
    server = createServer((_request, response) => response.writeHead(200, {'content-type': 'text/plain'}).end(BODY))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    host = `localhost:${(server.address() as AddressInfo).port}`
    dir = await mkdtemp(join(tmpdir(), 'registryctl-smoke-text-'))
    suite = join(dir, 'suite.yaml')
    await writeFile(suite, 'http://registry.example:\n- path: /v2/\n  assert_body_contains: registry\n')
  })
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await rm(dir, {recursive: true, force: true})
  })

  // Fixed defect, as found: src/lib/smoke/runner.ts:99/103 quote the body raw (truncate), printed by
  // src/cli/render/smoke.ts:14: ESC/BEL/\r reach the terminal and a newline forges a host's summary line.
  // Fix: quote the body as JSON.stringify(truncate(body)) (or escape C0/C1 controls) in the failure.
  it('a failure quotes the body without control characters or forged lines', async () => {
    const {code, stdout} = await runCli(['smoke', suite, '--hosts', host])
    assert.equal(code, 1)
    assert.doesNotMatch(stdout, /[\u0000-\u0008\u000B-\u001F\u007F]/)
    assert.doesNotMatch(stdout, /^node9\.example: 5 passed/m)
  })

  // Fixed defect, as found: src/cli/render/smoke.ts:24 escapeXml keeps C0 control characters, which XML 1.0 forbids even
  // as references: the JUnit file of a failing run (a binary or hostile body) is not well-formed and CI
  // drops the report. Fix: in escapeXml, replace /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g (e.g. with U+FFFD).
  it('--junit stays well-formed XML when the body holds control characters', async () => {
    const junit = join(dir, 'junit.xml')
    const {code} = await runCli(['smoke', suite, '--hosts', host, '--junit', junit])
    assert.equal(code, 1)
    const xml = await readFile(junit, 'utf8')
    assert.match(xml, /<failure message=/)
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/)
  })
})
