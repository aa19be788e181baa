import {strict as assert} from 'node:assert'
import {mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {type RunningRegistry, startRegistry} from '../../src/sandbox/registry-process.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {type RunningNginx, startNginx, USERS} from '../helpers/nginx.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {assertOneLineError} from './list-images.test.js'

// The certificate names the service, not the address we connect to.
const SERVICE = 'docker-registry.test.example'

const PASSING = `# Like the suites next to Wikimedia's registry.
https://${SERVICE}:
- path: /v2/
  assert_status: 200
  assert_headers:
    docker-distribution-api-version: registry/2.0
- path: /v2
  assert_status: 301
  assert_headers_regex:
    Location: /v2/$
- path: /v2/_catalog
  assert_status: 200
  assert_headers:
    Cache-Control: public,s-maxage=600,max-age=600
  assert_headers_absent:
  - X-Powered-By
  assert_body_regex: >-
    (?s)"repositories":\\s*\\[.*"team/app"
- path: /v2/restricted/secret-app/tags/list
  assert_status: 401
  assert_headers_regex:
    WWW-Authenticate: restricted-read
- path: /v2/team/app/blobs/uploads/
  method: POST
  json_body:
    hello: world
  assert_status: 401
  assert_headers_regex:
    WWW-Authenticate: regular-push
- path: /v2/team/app/manifests/stable
  request_headers:
    Accept: application/vnd.docker.distribution.manifest.v2+json
  assert_status: 200
  assert_body_contains: schemaVersion
`

// Every case fails for a known reason (line numbers are asserted below).
const FAILING = `https://${SERVICE}:
- path: /v2/
  assert_status: 418
- path: /v2/
  assert_headers:
    Docker-Distribution-Api-Version: registry/3.0
- path: /v2/
  assert_headers_absent:
  - Docker-Distribution-Api-Version
- path: /v2/_catalog
  assert_body_contains: no-such-repository
- path: /v2/_catalog
  assert_body_regex: ^nothing$
`

describe('smoke @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  let nginx: RunningNginx
  let dir: string
  before(async () => {
    nginx = await startNginx(registry().host, {serverNames: [SERVICE], listen: ['127.0.0.1', '127.0.0.2']})
    dir = await mkdtemp(join(tmpdir(), 'registryctl-smoke-'))
    await writeFile(join(dir, 'passing.yaml'), PASSING)
    await writeFile(join(dir, 'failing.yaml'), FAILING)
  })
  after(async () => {
    await nginx?.stop()
    await rm(dir, {recursive: true, force: true})
  })
  const tls = () => ['--ca-file', nginx.pki.caCert, '--https-port', String(nginx.port)]

  it('passes a suite, reaching the node by address and the service by name (Host, SNI, certificate)', async () => {
    const {code, stdout, stderr} = await runCli(['smoke', join(dir, 'passing.yaml'), '--hosts', '127.0.0.1', ...tls()])
    assert.equal(code, ExitCode.OK, stdout + stderr)
    assert.match(stdout, /^127\.0\.0\.1: 6 passed, 0 failed$/m)
  })

  it("expands bracket sets and runs every host, accepting httpbb's flag spellings", async () => {
    const {code, stdout} = await runCli([
      'smoke',
      join(dir, 'passing.yaml'),
      '--hosts',
      '127.0.0.[1-2]',
      '--ca-file',
      nginx.pki.caCert,
      '--https_port',
      String(nginx.port),
      '--retry_on_timeout',
    ])
    assert.equal(code, ExitCode.OK, stdout)
    assert.match(stdout, /^127\.0\.0\.1: 6 passed, 0 failed$/m)
    assert.match(stdout, /^127\.0\.0\.2: 6 passed, 0 failed$/m)
    assert.match(stdout, /^12 passed, 0 failed$/m)
  })

  it('fails every case of a failing suite with file:line, expected and actual; exit 1; JUnit for CI', async () => {
    const junit = join(dir, 'junit.xml')
    const file = join(dir, 'failing.yaml')
    const {code, stdout} = await runCli(['smoke', file, '--hosts', '127.0.0.1', ...tls(), '--junit', junit])
    assert.equal(code, ExitCode.CHECK_FAILED)
    assert.match(stdout, /^127\.0\.0\.1: 0 passed, 5 failed$/m)
    for (const [line, failure] of [
      [2, /assert_status: expected 418, got 200/],
      [4, /assert_headers Docker-Distribution-Api-Version: expected registry\/3\.0, got registry\/2\.0/],
      [7, /assert_headers_absent Docker-Distribution-Api-Version: expected \(absent\), got registry\/2\.0/],
      [10, /assert_body_contains: expected no-such-repository, got \{"repositories"/],
      [12, /assert_body_regex: expected \/\^nothing\$\/, got/],
    ] as const) {
      assert.ok(
        stdout.includes(`FAIL ${file}:${line} https://${SERVICE}:${nginx.port}/v2/`),
        `line ${line}:\n${stdout}`,
      )
      assert.match(stdout, failure)
    }

    const xml = await readFile(junit, 'utf8')
    assert.match(xml, /<testsuite name="127\.0\.0\.1" tests="5" failures="5" errors="0">/)
    assert.equal(xml.match(/<failure /g)?.length, 5)
    assert.equal(xml.match(/<testcase [^>]* time="\d+\.\d{3}"/g)?.length, 5)
  })

  it('--json: totals, the exit code, and each case with a real URL and the host it went to', async () => {
    const file = join(dir, 'failing.yaml')
    const {code, stdout} = await runCli(['smoke', file, '--hosts', '127.0.0.1', ...tls(), '--json'])
    assert.equal(code, ExitCode.CHECK_FAILED)
    const report = JSON.parse(stdout) as {
      exitCode: number
      totals: Record<string, number>
      results: Array<{cases: Array<{url: string; via: string}>}>
    }
    assert.equal(report.exitCode, ExitCode.CHECK_FAILED)
    assert.deepEqual(report.totals, {hosts: 1, unreachable: 0, cases: 5, passed: 0, failed: 5})
    for (const result of report.results[0]!.cases) {
      assert.equal(new URL(result.url).toString(), result.url)
      assert.match(result.url, new RegExp(`^https://${SERVICE.replaceAll('.', '\\.')}:${nginx.port}/v2/`))
      assert.equal(result.via, '127.0.0.1')
    }
  })

  it('runs several files in one go, each case named by its own file', async () => {
    const {code, stdout} = await runCli([
      'smoke',
      join(dir, 'passing.yaml'),
      join(dir, 'failing.yaml'),
      '--hosts',
      '127.0.0.1',
      ...tls(),
    ])
    assert.equal(code, ExitCode.CHECK_FAILED)
    assert.match(stdout, /^127\.0\.0\.1: 6 passed, 5 failed$/m)
    assert.ok(stdout.includes(`FAIL ${join(dir, 'failing.yaml')}:2 `), stdout)
  })

  it('reports an unreachable host with exit code 3', async () => {
    const {code, stdout} = await runCli([
      'smoke',
      join(dir, 'passing.yaml'),
      '--hosts',
      '127.0.0.1,127.0.0.3',
      ...tls(),
      '--timeout',
      '5',
    ])
    assert.equal(code, ExitCode.UNREACHABLE)
    assert.match(stdout, /^127\.0\.0\.3: 0 passed, 6 failed \(unreachable\)$/m)
    assert.match(stdout, /connection refused/)
    assert.match(stdout, /^127\.0\.0\.1: 6 passed, 0 failed$/m)
  })

  it('fails TLS for a name the certificate does not carry, with exit code 4', async () => {
    const file = join(dir, 'wrong-name.yaml')
    await writeFile(file, 'https://not-the-service.example:\n- path: /v2/\n  assert_status: 200\n')
    const {code, stdout} = await runCli(['smoke', file, '--hosts', '127.0.0.1', ...tls()])
    assert.equal(code, ExitCode.TLS, stdout)
    assert.match(stdout, /^127\.0\.0\.1: 0 passed, 1 failed \(unreachable\)$/m)
    assert.match(stdout, /not-the-service\.example/)
    const insecure = await runCli(['smoke', file, '--hosts', '127.0.0.1', ...tls(), '--insecure'])
    assert.equal(insecure.code, ExitCode.OK, insecure.stdout)
  })

  it('refuses YAML errors with file and line, exit 2', async () => {
    const cases: Array<[string, RegExp]> = [
      [`https://${SERVICE}:\n- path: /v2/\n  assert_stauts: 200\n`, /:3: unknown key "assert_stauts"/],
      [
        `https://${SERVICE}:\n- path: /v2/\n- path: /v2/\n  assert_status: "200"\n`,
        /:4: assert_status must be a whole number/,
      ],
      [`https://${SERVICE}:\n- path: /v2/\n  assert_headers: [a, b]\n`, /:3: assert_headers must be a mapping/],
      [`ftp://${SERVICE}:\n- path: /\n`, /:1: top-level key "ftp:\/\/.*" is not http:\/\/NAME or https:\/\/NAME/],
      [`https://${SERVICE}:\n- method: GET\n`, /:2: a test case needs "path"/],
      [`https://${SERVICE}:\n- path: /v2/\n  assert_body_regex: "(unclosed"\n`, /:2: invalid regular expression/],
      [`https://${SERVICE}:\n  - path: [\n`, /:\d+: invalid YAML/],
    ]
    for (const [index, [yaml, message]] of cases.entries()) {
      const file = join(dir, `bad-${index}.yaml`)
      await writeFile(file, yaml)
      const {code, stderr} = await runCli(['smoke', file, '--hosts', '127.0.0.1', ...tls()])
      assert.equal(code, ExitCode.USAGE, `${yaml}\n${stderr}`)
      assertOneLineError(stderr, new RegExp(`${file.replaceAll('.', '\\.')}${message.source}`))
    }
  })

  it('refuses a malformed host list with exit code 2', async () => {
    const {code, stderr} = await runCli(['smoke', join(dir, 'passing.yaml'), '--hosts', 'registry[2002-2001].example'])
    assert.equal(code, ExitCode.USAGE)
    assertOneLineError(stderr, /range 2002-2001 goes backwards/)
  })

  describe('--registry-suite', () => {
    it('passes behind nginx (anonymous writes refused with a realm) and downloads an image config intact', async () => {
      const {code, stdout} = await runCli([
        'smoke',
        '--registry-suite',
        '--server-name',
        SERVICE,
        '--hosts',
        '127.0.0.1',
        ...tls(),
        '--image',
        'team/app:stable',
      ])
      assert.equal(code, ExitCode.OK, stdout)
      assert.match(stdout, /^127\.0\.0\.1: 5 passed, 0 failed$/m)
    })

    it('checks that writes are refused on every node during read-only maintenance', async () => {
      const readOnly = await startNginx(registry().host, {serverNames: [SERVICE], readOnly: true})
      try {
        const args = [
          'smoke',
          '--registry-suite',
          '--server-name',
          SERVICE,
          '--hosts',
          '127.0.0.1',
          '--ca-file',
          readOnly.pki.caCert,
          '--https-port',
          String(readOnly.port),
        ]
        const maintained = await runCli([...args, '--read-only'])
        assert.equal(maintained.code, ExitCode.OK, maintained.stdout)
        const expectedOpenForPushes = await runCli(args)
        assert.equal(expectedOpenForPushes.code, ExitCode.CHECK_FAILED)
        assert.match(expectedOpenForPushes.stdout, /assert_status: expected 401, got 403/)
      } finally {
        await readOnly.stop()
      }

      // distribution's own read-only mode answers 405.
      const maintained = await startRegistry({readOnly: true})
      try {
        const direct = await runCli([
          'smoke',
          '--registry-suite',
          '--hosts',
          '127.0.0.1',
          '--scheme',
          'http',
          '--http-port',
          String(maintained.port),
          '--read-only',
        ])
        assert.equal(direct.code, ExitCode.OK, direct.stdout)
      } finally {
        await maintained.stop()
      }

      // And a registry that still accepts pushes fails the read-only check.
      const writable = await runCli([
        'smoke',
        '--registry-suite',
        '--server-name',
        SERVICE,
        '--hosts',
        '127.0.0.1',
        ...tls(),
        '--read-only',
      ])
      assert.equal(writable.code, ExitCode.CHECK_FAILED)
      assert.match(writable.stdout, /assert_status: expected 403 or 405 or 503, got 401/)
    })

    it('flags an open registry unless told it is open, and a missing image', async () => {
      const bare = ['--hosts', '127.0.0.1', '--scheme', 'http', '--http-port', String(registry().port)]
      const closedExpected = await runCli(['smoke', '--registry-suite', ...bare])
      assert.equal(closedExpected.code, ExitCode.CHECK_FAILED)
      assert.match(closedExpected.stdout, /assert_status: expected 401, got 202/)
      const open = await runCli(['smoke', '--registry-suite', ...bare, '--open', '--image', 'base/multiarch:bookworm'])
      assert.equal(open.code, ExitCode.OK, open.stdout)
      // Every upload the write check opened was cancelled. Distribution's cancel removes an upload's
      // data and startedat and leaves only its hash state; an open upload has all three.
      for (const repository of ['registryctl-probe/smoke', 'base/multiarch']) {
        const uploads = join(registry().rootDirectory, 'docker/registry/v2/repositories', repository, '_uploads')
        const opened = await readdir(uploads)
        assert.ok(opened.length > 0, `the write check opened an upload in ${repository}`)
        for (const uuid of opened)
          assert.deepEqual((await readdir(join(uploads, uuid))).sort(), ['hashstates'], `${repository} upload ${uuid}`)
      }

      const missing = await runCli(['smoke', '--registry-suite', ...bare, '--open', '--image', 'team/app:no-such-tag'])
      assert.equal(missing.code, ExitCode.CHECK_FAILED)
      assert.match(
        missing.stdout,
        /image resolves and its config downloads intact: expected success, got manifest .* not found/,
      )
    })
  })

  describe('--drift', () => {
    let other: RunningRegistry
    before(async () => {
      other = await startRegistry()
      await seedSamples(localSession().client({host: other.host}))
    })
    after(() => other?.stop())

    it('says the nodes agree when they hold the same images', async () => {
      const {code, stdout} = await runCli([
        'smoke',
        '--drift',
        '--hosts',
        `${registry().host},${other.host}`,
        '--select',
        'team/*',
      ])
      assert.equal(code, ExitCode.OK, stdout)
      assert.match(stdout, /Compared .*: 2 repositories, 9 tags/)
      assert.match(stdout, /The nodes agree\./)
    })

    it('reads restricted repositories on every node with the credentials given once', async () => {
      const args = [
        'smoke',
        '--drift',
        '--server-name',
        SERVICE,
        '--hosts',
        '127.0.0.[1-2]',
        ...tls(),
        '--select',
        'restricted/*',
      ]
      const anonymous = await runCli(args)
      assert.equal(anonymous.code, ExitCode.UNAUTHORIZED, anonymous.stdout)
      const {username, password} = USERS.restrictedRead
      const {code, stdout, stderr} = await runCli([...args, '--username', username, '--password-stdin'], {
        input: `${password}\n`,
      })
      assert.equal(code, ExitCode.OK, stdout + stderr)
      assert.match(stdout, /Compared 127\.0\.0\.1, 127\.0\.0\.2: 1 repositories, 1 tags/)
    })

    it('lists what differs: a moved tag, a missing repository', async () => {
      const client = localSession().client({host: other.host})
      await pushImage(
        client,
        'team/app',
        ['stable'],
        buildImage({created: '2025-05-05T00:00:00Z', layers: ['drifted stable']}),
      )
      await pushImage(
        client,
        'team/only-on-other',
        ['v1'],
        buildImage({created: '2025-05-06T00:00:00Z', layers: ['only here']}),
      )
      const {code, stdout} = await runCli([
        'smoke',
        '--drift',
        '--hosts',
        `${registry().host},${other.host}`,
        '--select',
        'team/*',
        '--json',
      ])
      assert.equal(code, ExitCode.CHECK_FAILED)
      const {drift} = JSON.parse(stdout) as {
        drift: {differences: Array<{repository: string; tag?: string; values: Record<string, string | null>}>}
      }
      assert.deepEqual(
        drift.differences.map((d) => `${d.repository}:${d.tag ?? '*'}`),
        ['team/app:stable', 'team/only-on-other:*', 'team/only-on-other:v1'],
      )
      assert.equal(drift.differences[1]!.values[registry().host], null)
    })
  })
})
