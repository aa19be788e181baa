import {strict as assert} from 'node:assert'
import {chmod, mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {analyzeStore} from '../../../src/lib/gc/store.js'
import {buildImage, buildMultiArch} from '../../../src/sandbox/images.js'
import {pushImage} from '../../../src/sandbox/push.js'
import {collectorDryRun} from '../../helpers/gc.js'
import {localSession, useRegistry} from '../../helpers/registry.js'
import {useTempDir} from '../../helpers/tmp.js'

describe("gc/store against the registry's own collector @integration", () => {
  const digests: Record<string, string> = {}
  /**
   * A store with every case: a deleted tag, layers shared between images and repositories, a tagged
   * index (its children untagged), an untagged manifest, an empty repository (all tags deleted), and
   * a stale upload.
   */
  const registry = useRegistry({}, async (running) => {
    const client = localSession().client({host: running.host})
    const a1 = buildImage({created: '2021-01-01T00:00:00Z', layers: ['shared base', 'a1 only']})
    const a2 = buildImage({created: '2021-02-01T00:00:00Z', layers: ['shared base', 'a2 only']})
    await pushImage(client, 'gc/a', ['v1'], a1)
    await pushImage(client, 'gc/a', ['v2', 'latest'], a2)
    await client.deleteManifest('gc/a', a1.digest)
    const index = buildMultiArch(['2022-01-01T00:00:00Z', '2022-01-02T00:00:00Z'], 'oci', 'gc index')
    await pushImage(client, 'gc/multi', ['m1'], index)
    const untagged = buildImage({created: '2021-03-01T00:00:00Z', layers: ['untagged only']})
    await pushImage(client, 'gc/a', [], untagged)
    const gone = buildImage({created: '2021-04-01T00:00:00Z', layers: ['shared base', 'emptied repository']})
    await pushImage(client, 'gc/empty', ['only'], gone)
    await client.deleteManifest('gc/empty', gone.digest)
    Object.assign(digests, {
      a1: a1.digest,
      untagged: untagged.digest,
      index: index.digest,
      children: index.children.map((c) => c.digest).join(','),
    })
    // An upload abandoned two days ago.
    const upload = join(
      running.rootDirectory,
      'docker/registry/v2/repositories/gc/a/_uploads/0b7e1c9a-0000-4000-8000-000000000001',
    )
    await mkdir(upload, {recursive: true})
    await writeFile(join(upload, 'startedat'), new Date(Date.now() - 2 * 86_400_000).toISOString())
  })

  for (const deleteUntagged of [false, true]) {
    it(`equals garbage-collect --dry-run${deleteUntagged ? ' --delete-untagged' : ''}: marked, eligible blobs and manifests`, async () => {
      const report = await analyzeStore(registry().rootDirectory)
      const ours = deleteUntagged ? report.deleteUntagged : report.default
      const theirs = collectorDryRun(registry().configPath, deleteUntagged)
      assert.ok(theirs.ok, theirs.output)
      assert.equal(ours.blobsMarked, theirs.marked)
      assert.equal(ours.blobsEligible, theirs.blobsEligible)
      assert.equal(ours.manifestsEligible, theirs.manifestsEligible)
      assert.deepEqual([...ours.eligibleBlobs].sort(), theirs.eligibleBlobs)
      assert.deepEqual(ours.eligibleManifests.map((m) => m.digest).sort(), theirs.eligibleManifests)
      assert.equal(ours.abort, undefined)
    })
  }

  it('tells what the collector does not: bytes, empty repositories, untagged manifests, stale uploads, broken indexes', async () => {
    const report = await analyzeStore(registry().rootDirectory)
    assert.ok(report.default.eligibleBlobs.includes(digests.a1!))
    assert.ok(
      report.default.bytesReclaimable > 0 && report.deleteUntagged.bytesReclaimable > report.default.bytesReclaimable,
    )
    assert.deepEqual(report.emptyRepositories, ['gc/empty'])
    assert.deepEqual(report.repositories.find((r) => r.name === 'gc/a')!.untaggedManifests, [digests.untagged])
    assert.deepEqual(
      report.staleUploads.map((u) => u.repository),
      ['gc/a'],
    )
    assert.deepEqual(
      report.brokenIndexes.map((b) => [b.repository, b.tags, b.digest, b.children.join(',')]),
      [['gc/multi', ['m1'], digests.index, digests.children]],
    )
    // The first image's own layer was pushed to gc/a: its bytes are attributed there.
    assert.ok(report.repositories.find((r) => r.name === 'gc/a')!.reclaimable.default > 0)
  })

  it('predicts the abort of --delete-untagged on a repository that has manifests but no tags folder', async () => {
    const client = localSession().client({host: registry().host})
    await pushImage(
      client,
      'gc/zz-by-digest-only',
      [],
      buildImage({created: '2021-05-01T00:00:00Z', layers: ['no tags folder']}),
    )
    const report = await analyzeStore(registry().rootDirectory)
    assert.match(report.deleteUntagged.abort ?? '', /gc\/zz-by-digest-only has manifests but no tags folder/)
    const theirs = collectorDryRun(registry().configPath, true)
    assert.equal(theirs.ok, false)
    assert.match(theirs.output, /unknown repository name=gc\/zz-by-digest-only/)
    // Without --delete-untagged both still agree.
    const plain = collectorDryRun(registry().configPath, false)
    assert.equal(report.default.blobsEligible, plain.blobsEligible)
    assert.equal(report.default.blobsMarked, plain.marked)
  })
})

describe('gc/store bad input', () => {
  const dir = useTempDir('notastore')

  it('refuses a folder that is not a distribution store', async () => {
    await assert.rejects(
      analyzeStore(dir()),
      (error: RegistryCtlError) =>
        error.exitCode === ExitCode.USAGE && /is not a distribution store/.test(error.message),
    )
  })

  it('refuses a missing folder with one line', async () => {
    await assert.rejects(analyzeStore(join(dir(), 'missing')), /cannot read storage folder .*missing/)
  })

  it('refuses a file where a folder is expected, and an unreadable folder', async () => {
    await writeFile(join(dir(), 'file'), 'x')
    await assert.rejects(analyzeStore(join(dir(), 'file')), /is not a folder/)
    if (process.getuid?.() !== 0) {
      // root reads everything; an unprivileged run checks the permission path too.
      await mkdir(join(dir(), 'locked'))
      await chmod(join(dir(), 'locked'), 0o000)
      await assert.rejects(analyzeStore(join(dir(), 'locked')), /cannot read .*locked/)
    }
  })
})
