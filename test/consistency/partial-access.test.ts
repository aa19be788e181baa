/**
 * Partial access, for every command that walks a registry (kind 'walk'): against the production
 * shape's TLS front, the build account (push everywhere but restricted/) and anonymous users cannot
 * read restricted/secret-app. Each walking command names it with its realm on stderr and in --json,
 * does the rest, and exits 15; homepage publishes what anonymous users can read, so there the
 * repository is hidden by design and the build succeeds. What a command's selection or policy leaves
 * out is never read, so never partial.
 */
import {strict as assert} from 'node:assert'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'
import {useProduction, USERS} from '../helpers/production.js'
import {commandsOfKind, type Target} from './commands.js'

const REPOSITORY = 'restricted/secret-app'
const REALM = 'docker-registry restricted (restricted-read)'

/** Every `unreadable` list anywhere in a --json document, flattened. */
function unreadableIn(document: unknown): Array<{name: string; status: number; realm?: string}> {
  if (Array.isArray(document)) return document.flatMap((item) => unreadableIn(item))
  if (document === null || typeof document !== 'object') return []
  return Object.entries(document).flatMap(([key, value]) =>
    key === 'unreadable' && Array.isArray(value)
      ? (value as Array<{name: string; status: number; realm?: string}>)
      : unreadableIn(value),
  )
}

describe('partial access: every walking command names what it cannot read and does the rest @integration', () => {
  const production = useProduction()
  const target = (): Target => {
    const p = production()
    return {host: p.front, dir: p.dir, connection: ['--ca-file', p.caFile], writes: 'realms'}
  }

  const accounts = async (): Promise<Array<[string, NodeJS.ProcessEnv]>> => [
    ['anonymously', {}],
    ['with the build account', {DOCKER_CONFIG: await production().dockerConfig(production().front, USERS.push)}],
  ]

  for (const command of commandsOfKind('walk')) {
    it(`${command.id}: names ${REPOSITORY} and its realm, does the rest, exits 15 (homepage: hidden, 0)`, async function () {
      this.timeout(120_000)
      for (const [who, env] of await accounts()) {
        const argv = await command.argv(target())
        // --silent: the line says why the exit code is 15, so a timer's log shows it even then.
        const plain = await runCli([...argv, '--silent'], {env})
        const json = await runCli([...argv, '--json'], {env})
        if (command.id === 'homepage') {
          // What anonymous users cannot read is not public: hidden by design, not a partial build.
          assert.equal(plain.code, 0, `${command.id} ${who}: ${plain.stderr}`)
          assert.equal(json.code, 0, `${command.id} ${who} --json: ${json.stderr}`)
          const page = await readFile(join(target().dir, 'homepage', 'index.html'), 'utf8')
          assert.ok(page.includes('team/app'), 'the readable repositories are published')
          assert.ok(!page.includes(REPOSITORY), `${command.id} ${who} published ${REPOSITORY}`)
          assert.deepEqual(unreadableIn(JSON.parse(json.stdout)), [])
          continue
        }

        // Anonymously, gc status's delete probe cannot answer either, and a deleting command's dry run
        // is refused by its preflight (no push credentials): that (exit 5) is worse than partial.
        const unanswered =
          who === 'anonymously' && (/probe could not answer/.test(plain.stderr) || command.kinds.includes('delete'))
        const expected = unanswered ? ExitCode.UNAUTHORIZED : ExitCode.LISTING_PARTIAL
        assert.equal(plain.code, expected, `${command.id} ${who}: ${plain.stderr}`)
        const line = plain.stderr.split('\n').find((candidate) => candidate.includes(REPOSITORY))
        assert.ok(line, `${command.id} ${who} does not name ${REPOSITORY}: ${plain.stderr}`)
        assert.ok(line.includes(`realm "${REALM}"`), `${command.id} ${who} does not name the realm: ${line}`)
        assert.match(line, /^registryctl: not \w+: restricted\/secret-app: authentication required \(401\)/)
        assert.doesNotMatch(plain.stderr, /rejected credentials/, 'a partial walk is not a credentials failure')

        assert.equal(json.code, expected, `${command.id} ${who} --json: ${json.stderr}`)
        // A refused dry run's document is the error; its stderr line (checked above) still names them.
        if (expected !== ExitCode.LISTING_PARTIAL && command.kinds.includes('delete')) continue
        assert.deepEqual(
          unreadableIn(JSON.parse(json.stdout)).map(({name, status, realm}) => ({name, status, realm})),
          [{name: REPOSITORY, status: 401, realm: REALM}],
          `${command.id} ${who} --json`,
        )
      }
    })
  }

  it('gc status: a reachable catalog with unreadable repositories is not "unreachable"', async () => {
    const env = {DOCKER_CONFIG: await production().dockerConfig(production().front, USERS.push)}
    const {stdout, code} = await runCli(['gc', 'status', production().front, '--ca-file', production().caFile], {
      env,
    })
    assert.equal(code, ExitCode.LISTING_PARTIAL)
    assert.match(
      stdout,
      /catalog: +reachable, \d+ repositories, .*1 unreadable with these credentials \(restricted\/secret-app by realm "docker-registry restricted \(restricted-read\)"\)/,
    )
    assert.doesNotMatch(stdout, /unreachable/)
  })

  it('homepage --include-restricted: a repository the credentials cannot read either is a partial build (15)', async () => {
    const env = {DOCKER_CONFIG: await production().dockerConfig(production().front, USERS.push)}
    const out = join(production().dir, 'homepage-restricted')
    const {code, stderr} = await runCli(
      ['homepage', production().front, '--out', out, '--include-restricted', '--ca-file', production().caFile],
      {env},
    )
    assert.equal(code, ExitCode.LISTING_PARTIAL, stderr)
    assert.ok(
      stderr.includes(`not published: ${REPOSITORY}: authentication required (401) by realm "${REALM}"`),
      stderr,
    )
  })

  it('cleanup: a policy whose repositories exclude restricted/ reads nothing there and exits 0', async () => {
    const env = {DOCKER_CONFIG: await production().dockerConfig(production().front, USERS.push)}
    const policy = join(production().dir, 'cleanup-excluding.yaml')
    await writeFile(
      policy,
      `registry: ${production().front}\nrules:\n  - name: old-app\n    repositories: ["*"]\n    exclude-repositories: ["restricted/*"]\n    tags: ["2021-*"]\n`,
    )
    const {code, stderr} = await runCli(['cleanup', policy, '--dry-run', '--ca-file', production().caFile], {env})
    assert.equal(code, 0, stderr)
    assert.doesNotMatch(stderr, /restricted/)
  })

  // Last: it deletes from the fixture.
  it('cleanup with the build account over ["*"] cleans what it can read, names the rest, counts it in the metrics, exits 15', async () => {
    const env = {DOCKER_CONFIG: await production().dockerConfig(production().front, USERS.push)}
    const policy = join(production().dir, 'cleanup-everything.yaml')
    const metrics = join(production().dir, 'cleanup.prom')
    await writeFile(
      policy,
      `registry: ${production().front}\nrules:\n  - name: old-app\n    repositories: ["*"]\n    tags: ["2021-03-*"]\n`,
    )
    const {code, stdout, stderr} = await runCli(
      [
        'cleanup',
        policy,
        '--yes',
        '--ca-file',
        production().caFile,
        '--lock-dir',
        production().dir,
        '--metrics-file',
        metrics,
      ],
      {env},
    )
    assert.equal(code, ExitCode.LISTING_PARTIAL, `${stdout}\n${stderr}`)
    assert.match(stdout, /team\/app.*2021-03-02-101010-production.*\[DONE\]|\[DONE\].*2021-03-02-101010-production/)
    assert.ok(stderr.includes(`not cleaned: ${REPOSITORY}: authentication required (401) by realm "${REALM}"`), stderr)
    const text = await readFile(metrics, 'utf8')
    assert.match(text, /^registryctl_cleanup_unreadable_repositories\{registry="[^"]+"\} 1$/m)
    assert.match(text, /^registryctl_cleanup_exit_code\{registry="[^"]+"\} 15$/m)
  })
})
