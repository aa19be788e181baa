import {strict as assert} from 'node:assert'
import {mkdir, readFile, readlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {freePort} from '../../src/sandbox/registry-process.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {runCli, runCliInTerminal} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'
import {assertOneLineError} from './list-images.test.js'

describe('homepage @integration', () => {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const tmp = useTempDir('homepage-cli')
  const out = () => join(tmp(), 'www', 'homepage')

  it('builds the site, with plain progress lines off a terminal and a summary with the requests made', async () => {
    const {code, stdout, stderr} = await runCli([
      'homepage',
      registry().host,
      '--out',
      out(),
      '--base-url',
      'https://docker-registry.example.org/',
    ])
    assert.equal(code, 0, stderr)
    assert.deepEqual(stderr.split('\n'), [
      'reading the catalog',
      'repositories 0/4 (0%)',
      'repositories 1/4 (25%)',
      'repositories 2/4 (50%)',
      'repositories 3/4 (75%)',
      'repositories 4/4 (100%)',
      '',
    ])
    assert.match(
      stdout,
      /^published .*\/www\/homepage: 4 repositories, 11 tags \(11 new or moved, 0 gone since the last build\)\n/,
    )
    assert.match(stdout, /\nhidden: 0 by --hide, 0 needing credentials, 0 without tags\n/)
    assert.match(
      stdout,
      /\nrequests: 1 catalog, 4 tag lists, 11 manifest HEADs, \d+ manifest GETs, \d+ blob GETs, \d+ other\n$/,
    )
    const page = await readFile(join(out(), 'r/team~app.html'), 'utf8')
    assert.match(page, /docker pull docker-registry\.example\.org\/team\/app:stable/)
    assert.match(page, /<link rel="canonical" href="https:\/\/docker-registry\.example\.org\/r\/team~app\.html">/)
  })

  it('rebuilds without a manifest or config GET; --json reports the counts', async () => {
    const {code, stdout, stderr} = await runCli([
      'homepage',
      registry().host,
      '--out',
      out(),
      '--json',
      '--hide',
      'restricted/*',
    ])
    assert.equal(code, 0, stderr)
    const result = JSON.parse(stdout) as {
      repositories: number
      stats: {hidden: {byGlob: string[]}}
      requests: Record<string, number>
    }
    assert.equal(result.repositories, 3)
    assert.deepEqual(result.stats.hidden.byGlob, ['restricted/secret-app'])
    assert.equal(result.requests.manifestGets, 0)
    assert.equal(result.requests.blobGets, 0)
    assert.equal(result.requests.manifestHeads, 10)
    assert.equal(result.requests.tagLists, 3)
  })

  it('shows progress as one updating line on a terminal', async () => {
    const {code, stdout} = await runCliInTerminal(['homepage', registry().host, '--out', join(tmp(), 'terminal')], '')
    assert.equal(code, 0, stdout)
    assert.match(stdout, /\r\u001B\[Krepositories \d\/4 \(\d+%\)/)
    assert.ok(!/^repositories \d\/4/m.test(stdout), 'plain progress lines on a terminal')
    assert.match(stdout, /published .*terminal: 4 repositories/)
  })

  it('leaves the previous site and state in place and exits non-zero when a build fails', async () => {
    const live = await readlink(out())
    const state = await readFile(join(tmp(), 'www', '.homepage.versions', 'state.json'), 'utf8')
    const {code, stderr} = await runCli([
      'homepage',
      `127.0.0.1:${await freePort()}`,
      '--out',
      out(),
      '--retries',
      '0',
      '--state',
      join(tmp(), 'www', '.homepage.versions', 'state.json'),
    ])
    assert.equal(code, ExitCode.UNREACHABLE)
    assert.match(stderr.trimEnd().split('\n').at(-1)!, /^registryctl: connection refused by 127\.0\.0\.1:\d+/)
    assert.equal(await readlink(out()), live)
    assert.equal(await readFile(join(tmp(), 'www', '.homepage.versions', 'state.json'), 'utf8'), state)
    assert.match(await readFile(join(out(), 'index.html'), 'utf8'), /team\/app/)
  })

  it('refuses an --out that is a folder with content, and a --base-url that is not a URL (exit 2)', async () => {
    const taken = join(tmp(), 'taken')
    await mkdir(taken)
    await writeFile(join(taken, 'index.html'), 'theirs')
    const refused = await runCli(['homepage', registry().host, '--out', taken])
    assert.equal(refused.code, ExitCode.USAGE)
    assertOneLineError(
      refused.stderr,
      /taken exists and is not a symlink to a registryctl homepage version \(.*remove it or pick another --out\)/,
    )
    const badUrl = await runCli([
      'homepage',
      registry().host,
      '--out',
      join(tmp(), 'x'),
      '--base-url',
      'docker-registry.example.org',
    ])
    assert.equal(badUrl.code, ExitCode.USAGE)
    assertOneLineError(badUrl.stderr, /--base-url must be an http\(s\) URL/)
  })
})
