import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {setTimeout} from 'node:timers/promises'

import {ExitCode} from '../../src/lib/errors.js'
import {analyzeStore} from '../../src/lib/gc/store.js'
import {buildImage, buildMultiArch} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {StoreWriter} from '../../src/sandbox/store.js'
import {RUN, runCli, runCliInTerminal} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'
import {assertOneLineError} from './list-images.test.js'

describe('gc status @integration', () => {
  const registry = useRegistry({}, async (running) => {
    const client = localSession().client({host: running.host})
    await seedSamples(client)
    const stable = await client.resolve('team/app', 'stable')
    await client.deleteManifest('team/app', stable.digest)
    await pushImage(
      client,
      'base/multiarch',
      ['trixie'],
      buildMultiArch(['2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z'], 'oci', 'trixie'),
    )
  })

  it('reports the API view and the store view together', async () => {
    const {code, stdout, stderr} = await runCli(['gc', 'status', registry().host, '--config', registry().configPath])
    assert.equal(code, 0, stderr)
    assert.match(stdout, /^Registry 127\.0\.0\.1:\d+ \(API registry\/2\.0\)$/m)
    assert.match(stdout, /deletes: +enabled/)
    assert.match(stdout, /writes: +writable \(a blob upload was opened \(202\) and cancelled\)/)
    assert.match(stdout, /Store .* \(filesystem\)/)
    assert.match(stdout, /\(default\) +\d+ +[1-9]\d* +0 +\d/)
    assert.match(stdout, /hazard: --delete-untagged would break 3 tagged index\(es\)/)
    assert.match(stdout, /base\/multiarch:bookworm/)
    assert.match(stdout, /top repositories by reclaimable bytes/)
  })

  it('gives the whole report with --json', async () => {
    const {code, stdout} = await runCli(['gc', 'status', '--storage', registry().rootDirectory, '--json'])
    assert.equal(code, 0)
    const result = JSON.parse(stdout) as {store: {default: {blobsEligible: number}; brokenIndexes: unknown[]}}
    assert.ok(result.store.default.blobsEligible > 0)
    assert.equal(result.store.brokenIndexes.length, 3)
  })

  it('shows a progress line on a terminal and clears it before the report, never with --json', async () => {
    const {code, stdout} = await runCliInTerminal(['gc', 'status', '--storage', registry().rootDirectory], '')
    assert.equal(code, 0, stdout)
    assert.match(stdout, /\rlisting: \d+ objects listed, blob shards \d+\/\d+, repositories: \d+ +\r/)
    assert.match(stdout, /\u001B\[K[^]*Store .* \(filesystem\)/)
    const json = await runCliInTerminal(['gc', 'status', '--storage', registry().rootDirectory, '--json'], '')
    assert.doesNotMatch(json.stdout, /scanning/)
    assert.ok(JSON.parse(json.stdout.slice(json.stdout.indexOf('{'))).store, json.stdout)
  })

  describe('bad input', () => {
    const dir = useTempDir('gcstatus')

    it('needs a registry or a store', async () => {
      const {code, stderr} = await runCli(['gc', 'status'])
      assert.equal(code, ExitCode.USAGE)
      assertOneLineError(stderr, /give a REGISTRY for the API view, or --storage DIR/)
    })

    it('names another storage driver in one line', async () => {
      const config = join(dir(), 'config.yml')
      await writeFile(config, 'version: 0.1\nstorage:\n  gcs:\n    bucket: images\n')
      const {code, stderr} = await runCli(['gc', 'status', '--config', config])
      assert.equal(code, ExitCode.USAGE)
      assertOneLineError(
        stderr,
        /uses the gcs storage driver: gc status reads the filesystem, swift and s3 drivers only/,
      )
    })

    it('says in one line that a config is not YAML (exit 2), never echoing the line it broke on, --debug included', async () => {
      const config = join(dir(), 'broken.yml')
      await writeFile(
        config,
        'version: 0.1\nstorage:\n  s3:\n    accesskey: someone\n    secretkey: [broken-secret-91c4\n    bucket: images\n',
      )
      const {code, stderr} = await runCli(['gc', 'status', '--config', config])
      assert.equal(code, ExitCode.USAGE)
      assertOneLineError(stderr, /registry config .*broken\.yml is not valid YAML: .* at line \d+, column \d+$/)
      const debug = await runCli(['gc', 'status', '--config', config, '--debug'])
      assert.equal(debug.code, ExitCode.USAGE)
      assert.match(debug.stderr, /^registryctl: registry config /)
      assert.ok(
        !`${debug.stdout}${debug.stderr}`.includes('broken-secret-91c4'),
        'the broken line (a secret) was printed',
      )
    })

    it('refuses a folder that is not a store', async () => {
      const {code, stderr} = await runCli(['gc', 'status', '--storage', dir()])
      assert.equal(code, ExitCode.USAGE)
      assertOneLineError(stderr, /is not a distribution store/)
    })
  })
})

describe('gc status --json on a large store', () => {
  const dir = useTempDir('gcjson')

  it('writes through a slow pipe, in pieces, exactly the library report as JSON.stringify(report, null, 2)', async () => {
    // 1,200 images, a third untagged: over 100 KB of JSON, more than a pipe holds.
    const writer = new StoreWriter(dir())
    for (let i = 0; i < 1200; i++) {
      const image = buildImage({
        created: new Date(Date.UTC(2020, 0, 1) + i * 1000).toISOString(),
        layers: [`json layer ${i}`],
      })
      if (i % 3 === 0) writer.manifest(`json/repo-${i % 7}`, image)
      else writer.image(`json/repo-${i % 7}`, [`t${i}`], image)
    }

    const child = spawn(process.execPath, [RUN, 'gc', 'status', '--storage', dir(), '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const chunks: Buffer[] = []
    // Nothing is read for a second: the CLI finds the pipe full and waits for it to drain, piece by piece.
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk)).pause()
    setTimeout(1000).then(
      () => child.stdout.resume(),
      () => {},
    )
    assert.deepEqual(await once(child, 'close'), [0, null])
    const stdout = Buffer.concat(chunks).toString('utf8')
    assert.ok(stdout.length > 65_536, `${stdout.length} bytes`)
    const report = await analyzeStore(dir())
    assert.equal(stdout, `${JSON.stringify({store: report}, null, 2)}\n`)

    // A reader that stops early (`| head -c 100`): the rest is not written, and it is no error.
    const early = spawn(process.execPath, [RUN, 'gc', 'status', '--storage', dir(), '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    early.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    early.stdout.once('data', () => early.stdout.destroy())
    assert.deepEqual(await once(early, 'close'), [0, null])
    assert.equal(stderr, '')
  })
})
