/**
 * The Debian package, built from the current build output and unpacked as dpkg would install it:
 * its metadata, man page and lintian, and the installed CLI run against the production shape
 * (test/helpers/production.ts) under this machine's Node and under Debian 12's own nodejs 18
 * (test/helpers/debian-node.ts), which its Depends must accept: both give the same results.
 */
import {strict as assert} from 'node:assert'
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'

import {ExitCode} from '../src/lib/errors.js'
import {COMMANDS, type Target} from './consistency/commands.js'
import {debianNodeRoot, installedCommand} from './helpers/debian-node.js'
import {USERS, useProduction} from './helpers/production.js'
import {useTempDir} from './helpers/tmp.js'

const SCRIPT = fileURLToPath(new URL('../scripts/package.js', import.meta.url))
const PACKAGE = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  author: string
  homepage: string
}

interface Run {
  code: number
  stdout: string
  stderr: string
}

describe('Debian package @integration', function () {
  this.timeout(300_000)
  const production = useProduction()
  const dir = useTempDir('deb')
  let deb = ''
  let debianNode = ''
  const root = () => join(dir(), 'root')

  before(() => {
    deb = execFileSync(process.execPath, [SCRIPT, '--out', join(dir(), 'out')], {encoding: 'utf8'}).trim()
    execFileSync('dpkg-deb', ['-x', deb, root()])
    // Fetched from the Debian mirror on the first run, then from node_modules/.cache.
    debianNode = debianNodeRoot()
  })

  /**
   * `registryctl ARGS` as installed (/usr/bin/registryctl → /usr/bin/node), over `nodeRoots`; with
   * `terminal`, on a pseudo-terminal (util-linux script), as an operator runs it.
   */
  function installed(nodeRoots: string[], args: string[], env: NodeJS.ProcessEnv = {}, terminal = false): Run {
    const home = mkdtempSync(join(dir(), 'home-'))
    try {
      const [file, argv] = installedCommand([root(), ...nodeRoots], 'registryctl', args)
      const quoted = [file, ...argv].map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
      const [command, commandArgs] = terminal ? ['script', ['-qec', quoted, '/dev/null']] : [file, argv]
      const result = spawnSync(command, commandArgs, {
        encoding: 'utf8',
        cwd: production().dir,
        input: '',
        timeout: 120_000,
        env: {
          PATH: '/usr/bin:/bin',
          HOME: home,
          TERM: 'xterm',
          XDG_CACHE_HOME: join(home, 'cache'),
          DOCKER_CONFIG: '/nonexistent',
          REGISTRYCTL_CONFIG: '/nonexistent/config.yaml',
          REGISTRYCTL_SYSTEM_CONFIG: '/nonexistent/system.yaml',
          REGISTRYCTL_CERTS_D: '/nonexistent-certs.d',
          ...env,
        },
      })
      return {code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr}
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  }

  const runtimes = (): Array<[string, string[]]> => [
    ["this machine's node", []],
    ["Debian 12's nodejs", [debianNode]],
  ]
  it("declares the nodejs Debian 12 ships, and package.json's maintainer and homepage", () => {
    const control = execFileSync('dpkg-deb', ['-f', deb], {encoding: 'utf8'})
    assert.match(control, /^Depends: nodejs \(>= 18\.19\)$/m)
    assert.match(control, /^Architecture: all$/m)
    assert.ok(control.includes(`\nMaintainer: ${PACKAGE.author}\n`), control)
    assert.ok(control.includes(`\nHomepage: ${PACKAGE.homepage}\n`), control)
    assert.doesNotMatch(control, /example\.(?:org|com)/)
    // Debian 12's own nodejs (the version this test fetched from its archive) satisfies Depends.
    const version = readFileSync(join(debianNode, 'VERSION'), 'utf8').trim()
    assert.equal(spawnSync('dpkg', ['--compare-versions', version, 'ge', '18.19']).status, 0, version)
  })

  it('installs the CLI, a wrapper, the man page and completions where Debian looks', () => {
    assert.equal(
      readFileSync(join(root(), 'usr/bin/registryctl'), 'utf8'),
      '#!/bin/sh\nexec /usr/bin/node /usr/lib/registryctl/bin/run.js "$@"\n',
    )
    const modules = readdirSync(join(root(), 'usr/lib/registryctl/node_modules'))
    assert.ok(modules.includes('got') && modules.includes('@oclif'), 'production dependencies are there')
    for (const dev of ['mocha', 'nock', 'typescript', 'tsx', 'oclif'])
      assert.ok(!modules.includes(dev), `${dev} is a dev dependency`)
    const man = gunzipSync(readFileSync(join(root(), 'usr/share/man/man1/registryctl.1.gz'))).toString()
    assert.match(man, /^\.TH REGISTRYCTL 1 /)
    for (const command of ['list\\-images', 'delete\\-tags', 'gc status', 'login', 'config'])
      assert.ok(man.includes(`.B registryctl ${command}`), command)
    assert.match(man, /\\-\\-dry\\-run/)
    const rendered = spawnSync('man', ['-l', '-P', 'cat', join(root(), 'usr/share/man/man1/registryctl.1.gz')], {
      encoding: 'utf8',
      env: {...process.env, MANWIDTH: '100'},
    })
    assert.equal(rendered.status, 0, rendered.stderr)
    assert.match(rendered.stdout, /registryctl delete-tags/)
    assert.match(
      readFileSync(join(root(), 'usr/share/bash-completion/completions/registryctl'), 'utf8'),
      /^complete -F _registryctl registryctl$/m,
    )
    assert.match(
      readFileSync(join(root(), 'usr/share/zsh/vendor-completions/_registryctl'), 'utf8'),
      /^#compdef registryctl\n/,
    )
  })

  it('runs the installed CLI with the node each runtime installs', () => {
    assert.match(installed([], ['--version']).stdout, new RegExp(` node-${process.version}\n$`))
    assert.match(installed([debianNode], ['--version']).stdout, / node-v18\.\d+\.\d+\n$/)
    for (const [label, nodeRoots] of runtimes()) {
      const help = installed(nodeRoots, ['--help'])
      assert.equal(help.code, 0, `${label}: ${help.stderr}`)
      assert.match(help.stdout, /delete-tags/)
    }
  })

  it('lists tags from the sandbox registry under both', () => {
    for (const [label, nodeRoots] of runtimes()) {
      const result = installed(nodeRoots, ['list-tags', `${production().direct}/team/app:2021-*`])
      assert.equal(result.code, 0, `${label}: ${result.stderr}`)
      assert.equal(
        result.stdout,
        '-- \nteam/app:\n  - 2021-03-02-101010-production\n  - 2021-07-28-175322-production\n',
        label,
      )
    }
  })

  it('gc status on a store folder: one error line under both (no V8 flag Node 18 lacks)', () => {
    const empty = mkdtempSync(join(dir(), 'not-a-store-'))
    const runs = runtimes().map(([, nodeRoots]) => installed(nodeRoots, ['gc', 'status', '--storage', empty]))
    for (const [index, run] of runs.entries()) {
      assert.equal(run.code, ExitCode.USAGE, run.stderr)
      assert.equal(run.stderr.trimEnd().split('\n').length, 1, `${runtimes()[index]![0]}: ${run.stderr}`)
    }
    assert.equal(runs[1]!.stderr, runs[0]!.stderr)
  })

  it("deletes two images with the progress view on a terminal under Debian 12's nodejs", () => {
    const result = installed(
      [debianNode],
      ['delete-tags', `${production().direct}/base/multiarch:b*`, '--yes'],
      // A sized terminal: the view then truncates its lines (listr2's cli-truncate).
      {COLUMNS: '200', LINES: '50'},
      true,
    )
    assert.doesNotMatch(result.stdout, /internal error/, result.stdout)
    assert.equal(result.code, 0, result.stdout)
    assert.match(result.stdout, /bookworm/)
    assert.match(result.stdout, /bullseye/)
  })

  // Every command through the TLS front (a CA file, Basic-auth realms, the push account's docker
  // credentials): Debian 12's nodejs gives what this machine's node gives, and never an internal error.
  for (const command of COMMANDS) {
    it(`${command.id}: the same outcome under Debian 12's nodejs as under this machine's node`, async () => {
      const p = production()
      // Each runtime has its own files (docker credentials, homepage state): one run must not see the other's.
      const runs: Run[] = []
      for (const [label, nodeRoots] of runtimes()) {
        const folder = mkdtempSync(join(p.dir, 'runtime-'))
        const target: Target = {host: p.front, dir: folder, connection: ['--ca-file', p.caFile], writes: 'realms'}
        const env = {DOCKER_CONFIG: await p.dockerConfig(p.front, USERS.push)}
        const result = installed(nodeRoots, await command.argv(target), env)
        assert.notEqual(result.code, ExitCode.INTERNAL, `${label}: ${result.stderr}`)
        assert.doesNotMatch(result.stderr, /\n\s+at /, `${label} printed a stack: ${result.stderr}`)
        const own = (text: string) => text.replaceAll(folder, 'FOLDER').replaceAll(env.DOCKER_CONFIG, 'DOCKER_CONFIG')
        runs.push({code: result.code, stdout: own(result.stdout), stderr: own(result.stderr)})
      }

      const [reference, debian] = runs as [Run, Run]
      assert.equal(debian.code, reference.code, `exit codes differ: ${reference.stderr} / ${debian.stderr}`)
      assert.equal(comparable(debian.stdout), comparable(reference.stdout))
      assert.equal(comparable(debian.stderr), comparable(reference.stderr))
    })
  }

  it('has no lintian error', () => {
    const result = spawnSync('lintian', ['--fail-on', 'error', deb], {encoding: 'utf8'})
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`)
    assert.doesNotMatch(result.stdout, /^E: /m)
  })
})

/** Output without what differs from run to run: durations, times, dates. */
function comparable(text: string): string {
  return (
    text
      .replaceAll(/\d+(?:\.\d+)?\s?(?:ms|s)\b/g, 'DURATION')
      .replaceAll(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g, 'TIME')
      // A recovery record's run id is its start time and process id (each runtime records its own).
      .replaceAll(/\b\d{8}T\d{6}Z-\d+(?:-\d+)?\b/g, 'RUN')
  )
}
