/**
 * The systemd example does what it says: its ExecStart, pointed at a sandbox registry and a
 * temporary /srv, builds the site; the units pass systemd-analyze verify where systemd is installed.
 */
import {strict as assert} from 'node:assert'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, readlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url))

/** ExecStart= of a unit, continuation lines joined, split as systemd does for simple quoting. */
export function execStart(unit: string): string[] {
  const joined = unit.replaceAll(/\\\n\s*/g, ' ')
  const line = joined.split('\n').find((entry) => entry.startsWith('ExecStart='))
  assert.ok(line, 'no ExecStart=')
  return [...line.slice('ExecStart='.length).matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map(
    (match) => match[1] ?? match[2] ?? match[3]!,
  )
}

describe('homepage systemd example @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const tmp = useTempDir('homepage-examples')

  it('runs the service’s command line: the site is published, restricted/ hidden, pull commands on the public name', async () => {
    const [binary, ...args] = execStart(await readFile(join(EXAMPLES, 'registryctl-homepage.service'), 'utf8'))
    assert.equal(binary, '/usr/bin/registryctl')
    assert.equal(args[0], 'homepage')
    const adapted = args.map((arg) => arg.replace('localhost:5000', registry().host).replace(/^\/srv\//, `${tmp()}/`))
    const {code, stdout, stderr} = await runCli(adapted)
    assert.equal(code, 0, stderr)
    assert.match(stdout, /hidden: 1 by --hide/)
    assert.match(await readlink(join(tmp(), 'registry-homepage')), /^\.registry-homepage\.versions\//)
    assert.match(
      await readFile(join(tmp(), 'registry-homepage', 'r', 'team~app.html'), 'utf8'),
      /docker pull docker-registry\.example\.org\/team\/app:stable/,
    )
  })

  it('passes systemd-analyze verify (where systemd is installed)', async function () {
    if (!existsSync('/usr/bin/systemd-analyze')) this.skip()
    // verify checks that ExecStart's binary exists: stand one in.
    const service = (await readFile(join(EXAMPLES, 'registryctl-homepage.service'), 'utf8')).replace(
      '/usr/bin/registryctl',
      '/bin/true',
    )
    await writeFile(join(tmp(), 'registryctl-homepage.service'), service)
    await writeFile(
      join(tmp(), 'registryctl-homepage.timer'),
      await readFile(join(EXAMPLES, 'registryctl-homepage.timer'), 'utf8'),
    )
    const {stderr} = await promisify(execFile)('systemd-analyze', [
      'verify',
      join(tmp(), 'registryctl-homepage.service'),
      join(tmp(), 'registryctl-homepage.timer'),
    ])
    assert.equal(stderr, '')
  })
})
