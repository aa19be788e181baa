import {strict as assert} from 'node:assert'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {storeFromConfig} from '../../../src/lib/stores/config.js'
import {openStore} from '../../../src/lib/stores/open.js'
import {analyzeStore, type StoreReport} from '../../../src/lib/gc/store.js'
import {type BuiltImage, buildImage, buildMultiArch} from '../../../src/sandbox/images.js'
import {pushImage} from '../../../src/sandbox/push.js'
import {type RunningRegistry, startRegistry} from '../../../src/sandbox/registry-process.js'
import {SWIFT_KEY, SWIFT_USER} from '../../../src/sandbox/swift-process.js'
import {runCli, runCliInTerminal} from '../../helpers/cli.js'
import {collectorDryRun} from '../../helpers/gc.js'
import {localSession} from '../../helpers/registry.js'
import {accountSnapshot, useSwift} from '../../helpers/swift.js'
import {useTempDir} from '../../helpers/tmp.js'

/** One `registryctl: …` line on stderr and nothing else. */
function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`)
  assert.match(lines[0]!, /^registryctl: /)
  assert.match(lines[0]!, pattern)
}

/** Sizes of everything pushed, by digest: the real sizes the report's bytes must add up to. */
function recordSizes(sizes: Map<string, number>, image: BuiltImage): void {
  sizes.set(image.digest, image.manifest.length)
  for (const [digest, data] of image.blobs) sizes.set(digest, data.length)
  for (const child of image.children) recordSizes(sizes, child)
}

describe("gc/store on Swift and S3 against the registry's own collector @integration", function () {
  this.timeout(240_000)
  const swift = useSwift(['registry-s3'])
  const dir = useTempDir('objectstores')

  for (const driver of ['swift', 's3'] as const) {
    describe(`${driver} driver`, () => {
      let registry: RunningRegistry
      const sizes = new Map<string, number>()
      const digests: Record<string, string> = {}
      const storage = () =>
        driver === 'swift'
          ? {
              swift: {
                authurl: swift().authUrl,
                authversion: 1,
                username: SWIFT_USER,
                password: SWIFT_KEY,
                container: 'registry',
                prefix: '/prod',
                chunksize: 5_242_880,
              },
            }
          : {
              s3: {
                accesskey: SWIFT_USER,
                secretkey: SWIFT_KEY,
                region: 'us-east-1',
                regionendpoint: swift().endpoint,
                bucket: 'registry-s3',
                secure: false,
                v4auth: true,
                chunksize: 5_242_880,
                rootdirectory: '/prod',
              },
            }

      before(async function () {
        this.timeout(180_000)
        registry = await startRegistry({storage: storage()})
        const client = localSession().client({host: registry.host})
        const a1 = buildImage({created: '2021-01-01T00:00:00Z', layers: [`${driver} shared base`, 'a1 only']})
        const a2 = buildImage({created: '2021-02-01T00:00:00Z', layers: [`${driver} shared base`, 'a2 only']})
        const index = buildMultiArch(['2022-01-01T00:00:00Z', '2022-01-02T00:00:00Z'], 'oci', `${driver} index`)
        const untagged = buildImage({created: '2021-03-01T00:00:00Z', layers: ['untagged only']})
        const gone = buildImage({
          created: '2021-04-01T00:00:00Z',
          layers: [`${driver} shared base`, 'emptied repository'],
        })
        for (const image of [a1, a2, index, untagged, gone]) recordSizes(sizes, image)
        await pushImage(client, 'gc/a', ['v1'], a1)
        await pushImage(client, 'gc/a', ['v2', 'latest'], a2)
        await client.deleteManifest('gc/a', a1.digest)
        await pushImage(client, 'gc/multi', ['m1'], index)
        await pushImage(client, 'gc/a', [], untagged)
        await pushImage(client, 'gc/empty', ['only'], gone)
        await client.deleteManifest('gc/empty', gone.digest)
        Object.assign(digests, {a1: a1.digest, untagged: untagged.digest, index: index.digest})
        // An aborted upload: started, some bytes sent, never finished.
        const start = await fetch(`${registry.url}/v2/gc/a/blobs/uploads/`, {method: 'POST'})
        assert.equal(start.status, 202)
        const patch = await fetch(new URL(start.headers.get('location')!, registry.url), {
          method: 'PATCH',
          body: 'half an upload',
          headers: {'content-type': 'application/octet-stream'},
        })
        assert.equal(patch.status, 202)
      })
      after(async () => {
        await registry?.stop()
      })

      const analyze = async (): Promise<StoreReport> =>
        analyzeStore(await openStore(await storeFromConfig(registry.configPath, {}), {retryBaseMs: 10}), {
          uploadsOlderThanMs: 0,
        })

      for (const deleteUntagged of [false, true]) {
        it(`names exactly what garbage-collect --dry-run${deleteUntagged ? ' --delete-untagged' : ''} names, and the real bytes`, async () => {
          const report = await analyze()
          const ours = deleteUntagged ? report.deleteUntagged : report.default
          const theirs = collectorDryRun(registry.configPath, deleteUntagged)
          assert.ok(theirs.ok, theirs.output)
          assert.equal(ours.blobsMarked, theirs.marked)
          assert.equal(ours.blobsEligible, theirs.blobsEligible)
          assert.equal(ours.manifestsEligible, theirs.manifestsEligible)
          assert.deepEqual([...ours.eligibleBlobs].sort(), theirs.eligibleBlobs)
          assert.deepEqual(ours.eligibleManifests.map((m) => m.digest).sort(), theirs.eligibleManifests)
          assert.ok(ours.blobsEligible > 0)
          assert.equal(
            ours.bytesReclaimable,
            theirs.eligibleBlobs.reduce((sum, digest) => sum + sizes.get(digest)!, 0),
          )
        })
      }

      it('tells untagged manifests, the stale upload and the broken index, and sizes only what it needs', async () => {
        const report = await analyze()
        assert.equal(report.driver, driver)
        assert.deepEqual(report.repositories.find((r) => r.name === 'gc/a')!.untaggedManifests, [digests.untagged])
        assert.deepEqual(
          report.staleUploads.map((u) => u.repository),
          ['gc/a'],
        )
        assert.deepEqual(
          report.brokenIndexes.map((b) => [b.repository, b.tags, b.digest]),
          [['gc/multi', ['m1'], digests.index]],
        )
        const eligible = new Set([...report.default.eligibleBlobs, ...report.deleteUntagged.eligibleBlobs])
        if (driver === 'swift') {
          // Layers and configs are DLOs listed as 0 bytes: one HEAD per eligible one, none for the rest.
          assert.ok(report.requests.stat > 0 && report.requests.stat <= eligible.size, JSON.stringify(report.requests))
          assert.ok(report.blobs.unsized > 0)
        } else {
          assert.equal(report.requests.stat, 0)
          assert.equal(report.blobs.unsized, 0)
          assert.equal(report.blobs.count, sizes.size)
          assert.equal(
            report.blobs.bytes,
            [...sizes.values()].reduce((a, b) => a + b, 0),
          )
        }
      })

      it('reads only: every object name and ETag in the account are the same after gc status, and no secret is printed', async () => {
        const before = await accountSnapshot(swift())
        assert.ok(before.size > 20)
        const text = await runCli(['gc', 'status', '--config', registry.configPath, '--debug'])
        assert.equal(text.code, 0, text.stderr)
        assert.match(
          text.stdout,
          new RegExp(
            `^Store ${driver} (container registry prefix prod|bucket registry-s3 rootdirectory /prod) .*\\(${driver}\\)$`,
            'm',
          ),
        )
        assert.match(text.stdout, /--delete-untagged +\d+ +[1-9]\d* +[1-9]/)
        assert.match(text.stderr, /debug: GET http:\/\/127\.0\.0\.1:\d+\//)
        const json = await runCli(['gc', 'status', '--config', registry.configPath, '--json', '--debug'])
        assert.equal(json.code, 0, json.stderr)
        assert.equal((JSON.parse(json.stdout) as {store: StoreReport}).store.driver, driver)
        for (const output of [text.stdout, text.stderr, json.stdout, json.stderr])
          assert.ok(!output.includes(SWIFT_KEY), 'a secret was printed')
        assert.deepEqual(await accountSnapshot(swift()), before)
      })

      it('shows progress (objects listed, blob shards done) on a terminal only, and clears it before the report', async () => {
        const terminal = await runCliInTerminal(['gc', 'status', '--config', registry.configPath], '')
        assert.equal(terminal.code, 0, terminal.stdout)
        assert.match(terminal.stdout, /\r(listing|reading|sizing): \d+ objects listed, blob shards \d+\/\d+/)
        assert.match(terminal.stdout, /\u001B\[K[^]*Store /)
        const piped = await runCli(['gc', 'status', '--config', registry.configPath])
        assert.equal(piped.code, 0, piped.stderr)
        assert.equal(piped.stderr, '', 'progress or anything else on a stderr that is not a terminal')
      })

      it('says in one line when the credentials are wrong, never printing them', async () => {
        const config = join(dir(), `${driver}-wrong.yml`)
        const section = storage() as unknown as Record<string, Record<string, unknown>>
        const params = section[driver]!
        if (driver === 'swift') params.password = 'wrong-secret-7f1d'
        else params.secretkey = 'wrong-secret-7f1d'
        await writeFile(config, JSON.stringify({version: 0.1, storage: section}))
        const result = await runCli(['gc', 'status', '--config', config, '--debug', '--retries', '0'])
        assert.equal(result.code, 5, result.stderr)
        assert.match(
          result.stderr,
          driver === 'swift'
            ? /^registryctl: swift auth at .* refused the credentials of test:tester \(401\)$/m
            : /^registryctl: s3 at .* refused the credentials \((SignatureDoesNotMatch|InvalidAccessKeyId)\)/m,
        )
        assert.ok(!`${result.stdout}${result.stderr}`.includes('wrong-secret-7f1d'))
      })

      it('says in one line when the container or bucket is missing, and when it holds no registry', async () => {
        const section = storage() as unknown as Record<string, Record<string, unknown>>
        const params = section[driver]!
        const missing = join(dir(), `${driver}-missing.yml`)
        if (driver === 'swift') params.container = 'no-such-container'
        else params.bucket = 'no-such-bucket'
        await writeFile(missing, JSON.stringify({version: 0.1, storage: section}))
        const result = await runCli(['gc', 'status', '--config', missing, '--retries', '0'])
        assert.equal(result.code, 7, result.stderr)
        assertOneLineError(
          result.stderr,
          driver === 'swift'
            ? /^registryctl: swift container no-such-container does not exist/
            : /^registryctl: s3 bucket no-such-bucket does not exist/,
        )
        const debug = await runCli(['gc', 'status', '--config', missing, '--retries', '0', '--debug'])
        assert.equal(debug.code, 7, debug.stderr)
        assert.match(debug.stderr, /^debug: /m)
        assert.ok(!`${debug.stdout}${debug.stderr}`.includes(SWIFT_KEY), 'a secret was printed with --debug')
        const empty = join(dir(), `${driver}-empty.yml`)
        if (driver === 'swift') {
          params.container = 'registry'
          params.prefix = '/elsewhere'
        } else {
          params.bucket = 'registry-s3'
          params.rootdirectory = '/elsewhere'
        }

        await writeFile(empty, JSON.stringify({version: 0.1, storage: section}))
        const none = await runCli(['gc', 'status', '--config', empty])
        assert.equal(none.code, 2, none.stderr)
        assertOneLineError(none.stderr, /holds no registry \(no docker\/registry\/v2\/blobs or repositories inside\)/)
        const noneDebug = await runCli(['gc', 'status', '--config', empty, '--debug'])
        assert.equal(noneDebug.code, 2, noneDebug.stderr)
        assert.ok(!`${noneDebug.stdout}${noneDebug.stderr}`.includes(SWIFT_KEY), 'a secret was printed with --debug')
      })
    })
  }

  it('says in one line when the endpoint is unreachable (exit 3)', async () => {
    const config = join(dir(), 'unreachable.yml')
    await writeFile(
      config,
      JSON.stringify({
        version: 0.1,
        storage: {
          swift: {
            authurl: 'http://127.0.0.1:9/auth/v1.0',
            username: 'u',
            password: 'unreachable-secret-2b7e',
            container: 'c',
          },
        },
      }),
    )
    const result = await runCli(['gc', 'status', '--config', config, '--retries', '0'])
    assert.equal(result.code, 3, result.stderr)
    assertOneLineError(result.stderr, /^registryctl: connection refused by 127\.0\.0\.1:9/)
    const debug = await runCli(['gc', 'status', '--config', config, '--retries', '0', '--debug'])
    assert.equal(debug.code, 3, debug.stderr)
    assert.ok(
      !`${debug.stdout}${debug.stderr}`.includes('unreachable-secret-2b7e'),
      'a secret was printed with --debug',
    )
  })
})
