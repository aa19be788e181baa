/**
 * The Debian package, built from the current build output, unpacked into a temporary root (as dpkg
 * would install it) and run against the sandbox registry; lintian finds no error in it.
 */
import {strict as assert} from 'node:assert'
import {execFileSync, spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {gunzipSync} from 'node:zlib'

import {seedSamples} from '../src/sandbox/seed.js'
import {localSession, useRegistry} from './helpers/registry.js'
import {useTempDir} from './helpers/tmp.js'

const SCRIPT = fileURLToPath(new URL('../scripts/package.js', import.meta.url))

describe('Debian package @integration', function () {
  this.timeout(300_000)
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const dir = useTempDir('deb')
  let deb = ''
  const root = () => join(dir(), 'root')

  before(() => {
    deb = execFileSync(process.execPath, [SCRIPT, '--out', join(dir(), 'out')], {encoding: 'utf8'}).trim()
    execFileSync('dpkg-deb', ['-x', deb, root()])
  })

  it('declares nodejs (>= 20), installs the CLI, a wrapper, the man page and completions where Debian looks', () => {
    const control = execFileSync('dpkg-deb', ['-f', deb], {encoding: 'utf8'})
    assert.match(control, /^Depends: nodejs \(>= 20\)$/m)
    assert.match(control, /^Architecture: all$/m)
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
    const completion = spawnSync(
      'bash',
      [
        '-c',
        `source ${join(root(), 'usr/share/bash-completion/completions/registryctl')}; COMP_WORDS=(registryctl list-); COMP_CWORD=1; _registryctl; echo "\${COMPREPLY[@]}"; COMP_WORDS=(registryctl delete-tags --dry); COMP_CWORD=2; _registryctl; echo "\${COMPREPLY[@]}"`,
      ],
      {encoding: 'utf8'},
    )
    assert.equal(completion.stdout, 'list-images list-tags\n--dry-run\n', completion.stderr)
    assert.match(
      readFileSync(join(root(), 'usr/share/zsh/vendor-completions/_registryctl'), 'utf8'),
      /^#compdef registryctl\n/,
    )
  })

  it('runs from the unpacked tree against the sandbox registry', () => {
    const result = spawnSync(
      process.execPath,
      [join(root(), 'usr/lib/registryctl/bin/run.js'), 'list-tags', `${registry().host}/team/app:2021-*`],
      {
        encoding: 'utf8',
        cwd: dir(),
        env: {
          ...process.env,
          DOCKER_CONFIG: '/nonexistent',
          REGISTRYCTL_CONFIG: '/nonexistent',
          REGISTRYCTL_SYSTEM_CONFIG: '/nonexistent',
          NODE_PATH: '',
        },
      },
    )
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout, '-- \nteam/app:\n  - 2021-03-02-101010-production\n  - 2021-07-28-175322-production\n')
  })

  it('has no lintian error', () => {
    const result = spawnSync('lintian', ['--fail-on', 'error', deb], {encoding: 'utf8'})
    assert.equal(result.status, 0, `${result.stdout}${result.stderr}`)
    assert.doesNotMatch(result.stdout, /^E: /m)
  })
})
