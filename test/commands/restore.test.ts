/**
 * The undo window against a real registry: images deleted by delete-tags, delete-manifest and
 * cleanup (schema2, OCI, a multi-arch index) are put back by `restore` with the same digests and
 * bytes, and pull again with skopeo, every platform; after `garbage-collect --delete-untagged` a
 * restore names each lost tag and changes nothing; a tag pushed again meanwhile stays unless --force.
 */
import {strict as assert} from 'node:assert'
import {spawn, spawnSync} from 'node:child_process'
import {readdirSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {readJournal} from '../../src/lib/deletion/journal.js'
import {readRecords} from '../../src/lib/deletion/recovery.js'
import {ExitCode} from '../../src/lib/errors.js'
import {sha256Digest} from '../../src/lib/registry/manifests.js'
import {type BuiltImage, buildImage, buildMultiArch} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {RUN, runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'

/** Pull with skopeo (all platforms) into a folder, unconverted; the digest skopeo read and the raw manifest. */
function pull(host: string, reference: string, into: string): {digest: string; raw: Buffer} {
  const copy = spawnSync(
    'skopeo',
    ['copy', '--all', '--src-tls-verify=false', `docker://${host}/${reference}`, `dir:${into}`],
    {encoding: 'utf8'},
  )
  assert.equal(copy.status, 0, `skopeo copy ${reference}: ${copy.stderr}`)
  const raw = spawnSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/${reference}`])
  assert.equal(raw.status, 0, `skopeo inspect ${reference}: ${raw.stderr.toString()}`)
  return {digest: sha256Digest(raw.stdout), raw: raw.stdout}
}

/** Every file skopeo wrote (blobs by hex, each platform's manifest), so a pull that skipped one shows. */
const layoutBlobs = (dir: string) => readdirSync(dir).sort()

describe('restore @integration', function () {
  this.timeout(180_000)
  const registry = useRegistry()
  const dir = useTempDir('restore')
  const client = () => localSession().client({host: registry().host})
  const env = () => ({XDG_STATE_HOME: join(dir(), 'state')})
  const run = (args: string[]) => runCli(args, {env: env()})

  const docker = buildImage({created: '2024-01-01T00:00:00Z', format: 'docker', layers: ['undo docker a', 'b']})
  const oci = buildImage({created: '2024-02-01T00:00:00Z', format: 'oci', layers: ['undo oci']})
  const multi = buildMultiArch(['2024-03-01T00:00:00Z', '2024-03-02T00:00:00Z'], 'oci', 'undo')
  const images: Array<[string, string[], BuiltImage]> = [
    ['undo/docker', ['stable', 'v1'], docker],
    ['undo/oci', ['v1'], oci],
    ['undo/multi', ['latest'], multi],
  ]

  before(async () => {
    for (const [name, tags, image] of images) await pushImage(client(), name, tags, image)
  })

  it('restores what delete-tags, delete-manifest and cleanup deleted: same digests, same bytes, every platform', async () => {
    const host = registry().host
    let result = await run(['delete-tags', `${host}/undo/docker:*`, '--include-siblings', '--yes'])
    assert.equal(result.code, 0, result.stderr)
    result = await run(['delete-manifest', `${host}/undo/oci@${oci.digest}`, '--yes'])
    assert.equal(result.code, 0, result.stderr)
    const policy = join(dir(), 'policy.yaml')
    await writeFile(
      policy,
      `registry: ${host}\nrules:\n  - name: multi\n    repositories: ["undo/multi"]\n    tags: ["*"]\n`,
    )
    result = await run(['cleanup', policy, '--yes', '--lock-dir', dir()])
    assert.equal(result.code, 0, result.stderr)
    for (const [name, tags] of images)
      for (const tag of tags) assert.equal(await client().exists(name, tag), undefined, `${name}:${tag} deleted`)

    // The record: one file per run, each image with its exact bytes, the index with its children.
    const runs = readRecords(join(dir(), 'state', 'registryctl'))
    assert.equal(runs.length, 3)
    const recorded = runs.flatMap((entry) => entry.images)
    assert.deepEqual(recorded.map((image) => image.digest).sort(), [docker.digest, oci.digest, multi.digest].sort())
    const index = recorded.find((image) => image.digest === multi.digest)!
    assert.deepEqual(
      index.children.map((child) => child.digest),
      multi.children.map((child) => child.digest),
    )

    for (const [name, tags, image] of images) {
      const restored = await run(['restore', `${host}/${name}`])
      assert.equal(restored.code, 0, `${name}: ${restored.stdout}${restored.stderr}`)
      assert.deepEqual(
        restored.stdout.trim().split('\n').sort(),
        tags.map((tag) => `${`${host}/${name}:${tag}`.padEnd(74)}[RESTORED]`).sort(),
      )
      for (const tag of tags) {
        const into = join(dir(), `pull-${name.replace('/', '-')}-${tag}`)
        const pulled = pull(host, `${name}:${tag}`, into)
        assert.equal(pulled.digest, image.digest)
        assert.ok(pulled.raw.equals(image.manifest), `${name}:${tag}: the same bytes`)
        // Every blob of every platform came down, byte for byte (skopeo verifies each digest), and
        // each platform's manifest.
        const files = layoutBlobs(into)
        for (const blob of image.blobs.keys())
          assert.ok(files.includes(blob.replace('sha256:', '')), `${name}:${tag} has ${blob}: ${files.join(' ')}`)
        for (const child of image.children)
          assert.ok(
            files.includes(`${child.digest.replace('sha256:', '')}.manifest.json`),
            `${name}:${tag} has platform ${child.digest}: ${files.join(' ')}`,
          )
      }
    }
  })

  it('leaves a tag pushed again meanwhile in place unless --force', async () => {
    const host = registry().host
    const name = 'undo/again'
    const first = buildImage({created: '2024-04-01T00:00:00Z', layers: ['again first']})
    const second = buildImage({created: '2024-04-02T00:00:00Z', layers: ['again second']})
    await pushImage(client(), name, ['app'], first)
    assert.equal((await run(['delete-tags', `${host}/${name}:app`, '--yes'])).code, 0)
    await pushImage(client(), name, ['app'], second)

    const dryRun = await run(['restore', `${host}/${name}:app`, '--dry-run', '--force'])
    assert.equal(dryRun.code, 0, dryRun.stderr)
    assert.match(dryRun.stdout, /app +\S+ +\S+ +present +RESTORE\n?$/)
    assert.equal(await client().exists(name, 'app'), second.digest, 'a dry run writes nothing')

    const kept = await run(['restore', `${host}/${name}:app`])
    assert.equal(kept.code, ExitCode.PARTIAL)
    assert.equal(kept.stdout.trim(), `${`${host}/${name}:app`.padEnd(74)}[EXISTS]`)
    assert.match(kept.stderr, new RegExp(`now points at ${second.digest}`))
    assert.equal(await client().exists(name, 'app'), second.digest)

    const journal = join(dir(), 'restore-journal.jsonl')
    const forced = await run(['restore', `${host}/${name}:app`, '--force', '--journal', journal])
    assert.equal(forced.code, 0, forced.stderr)
    assert.deepEqual(
      readJournal(journal).map((line) => [line.event, 'status' in line ? line.status : undefined]),
      [
        ['start', undefined],
        ['outcome', 'RESTORED'],
        ['end', undefined],
      ],
    )
    assert.equal(forced.stdout.trim(), `${`${host}/${name}:app`.padEnd(74)}[RESTORED]`)
    assert.equal(await client().exists(name, 'app'), first.digest)
  })

  it('after garbage-collect --delete-untagged, names each lost tag and changes nothing', async () => {
    const host = registry().host
    const name = 'undo/collected'
    const lost = buildImage({created: '2024-05-01T00:00:00Z', layers: ['collected lost']})
    const lostMulti = buildMultiArch(['2024-05-02T00:00:00Z', '2024-05-03T00:00:00Z'], 'docker', 'collected')
    await pushImage(client(), name, ['one', 'two'], lost)
    await pushImage(client(), name, ['multi'], lostMulti)
    await pushImage(client(), name, ['stays'], buildImage({created: '2024-05-04T00:00:00Z', layers: ['stays']}))
    const deleted = await run(['delete-tags', `${host}/${name}:[otm]*`, '--yes'])
    assert.equal(deleted.code, 0, deleted.stderr)

    const listed = await run(['restore', `${host}/${name}`, '--list'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.match(listed.stdout, /one .* present +RESTORE/)

    const gc = spawnSync('docker-registry', ['garbage-collect', '--delete-untagged', registry().configPath], {
      encoding: 'utf8',
    })
    assert.equal(gc.status, 0, gc.stderr)
    const before = await client().tags(name)

    const restored = await run(['restore', `${host}/${name}`])
    assert.equal(restored.code, ExitCode.PARTIAL)
    assert.deepEqual(
      restored.stdout.trim().split('\n').sort(),
      ['multi', 'one', 'two'].map((tag) => `${`${host}/${name}:${tag}`.padEnd(74)}[LOST]`),
    )
    assert.match(restored.stderr, /garbage collection has removed/)
    assert.deepEqual((await client().tags(name)).sort(), before.sort())
    assert.deepEqual(before, ['stays'])

    // gc status counts none of them as restorable any more.
    const status = await run(['gc', 'status', host, '--no-write-probe'])
    assert.match(status.stdout, /undo: +\d+ recorded deleted tag\(s\) .* \d+ lost to an earlier one/)
    assert.match(status.stdout, /3 lost/)
  })

  it('a record that cannot be written stops the deletion: nothing is deleted without its record (exit 74)', async () => {
    const host = registry().host
    const name = 'undo/full-disk'
    const tags = Array.from({length: 6}, (_, k) => `t${k}`)
    const built = tags.map((tag) => buildImage({created: '2024-07-01T00:00:00Z', layers: [`full disk ${tag}`]}))
    await pushImage(client(), name, [tags[0]!], built[0]!)
    await Promise.all(tags.slice(1).map((tag, k) => pushImage(client(), name, [tag], built[k + 1]!)))
    const state = join(dir(), 'state-full')
    // A file size limit (3 KiB) makes the record's writes fail with EFBIG after an image or two, as a
    // full disk would (Node ignores SIGXFSZ).
    const quoted = [process.execPath, RUN, 'delete-tags', `${host}/${name}:*`, '--yes']
      .map((arg) => `'${arg}'`)
      .join(' ')
    const child = spawnSync('bash', ['-c', `ulimit -f 3; exec ${quoted}`], {
      encoding: 'utf8',
      env: {
        ...process.env,
        DOCKER_CONFIG: '/nonexistent-docker-config',
        REGISTRYCTL_CONFIG: '/nonexistent-registryctl/config.yaml',
        XDG_CACHE_HOME: join(dir(), 'cache-full'),
        XDG_STATE_HOME: state,
      },
    })
    assert.equal(child.status, ExitCode.OUTPUT, child.stderr)
    assert.match(child.stderr, /recovery record .* failed: .*EFBIG/)
    assert.match(child.stderr, /\[SKIPPED\] not attempted: its recovery record could not be written/)
    const recorded = new Set(
      readRecords(join(state, 'registryctl')).flatMap((entry) => entry.images.flatMap((image) => image.tags)),
    )
    const gone: string[] = []
    for (const tag of tags) if ((await client().exists(name, tag)) === undefined) gone.push(tag)
    // The run stopped at the failed write: images recorded before it, none deleted without a record.
    assert.ok(
      recorded.size > 0 && gone.length < tags.length,
      `recorded ${[...recorded].join(', ')}; deleted ${gone.join(', ')}`,
    )
    for (const tag of gone) assert.ok(recorded.has(tag), `${tag} deleted without its record`)
    // The tags left were not attempted, and say so.
    for (const tag of tags.filter((tag) => !gone.includes(tag)))
      assert.match(child.stdout, new RegExp(`:${tag} +\\[SKIPPED\\]`))

    const restored = await runCli(['restore', `${host}/${name}`], {env: {XDG_STATE_HOME: state}})
    assert.equal(restored.code, 0, restored.stderr)
    for (const [k, tag] of tags.entries()) assert.equal(await client().exists(name, tag), built[k]!.digest)
  })

  it('puts back a tag name --keep-siblings removed, on the image its siblings kept', async () => {
    const host = registry().host
    const name = 'undo/siblings'
    const shared = buildImage({created: '2024-08-01T00:00:00Z', layers: ['siblings shared']})
    await pushImage(client(), name, ['keep', 'drop'], shared)
    const untagged = await run(['delete-tags', `${host}/${name}:drop`, '--keep-siblings', '--yes'])
    assert.equal(untagged.code, 0, untagged.stderr)
    assert.equal(await client().exists(name, 'drop'), undefined)

    const restored = await run(['restore', `${host}/${name}:drop`])
    assert.equal(restored.code, 0, restored.stderr)
    assert.equal(restored.stdout.trim(), `${`${host}/${name}:drop`.padEnd(74)}[RESTORED]`)
    assert.equal(await client().exists(name, 'drop'), shared.digest)
    assert.equal(await client().exists(name, 'keep'), shared.digest)
  })

  it('SIGINT stops a restore as it stops a deletion: no PUT after it, the rest [SKIPPED], exit 130', async () => {
    const host = registry().host
    const name = 'undo/interrupted'
    const tags = Array.from({length: 30}, (_, k) => `i${String(k).padStart(2, '0')}`)
    const built = tags.map((tag) => buildImage({created: '2024-09-01T00:00:00Z', layers: [`interrupted ${tag}`]}))
    await pushImage(client(), name, [tags[0]!], built[0]!)
    await Promise.all(tags.slice(1).map((tag, k) => pushImage(client(), name, [tag], built[k + 1]!)))
    assert.equal((await run(['delete-tags', `${host}/${name}:*`, '--yes'])).code, 0)

    const child = spawn(process.execPath, [RUN, 'restore', `${host}/${name}`], {
      env: {...process.env, DOCKER_CONFIG: '/nonexistent-docker-config', ...env()},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (stdout.includes('[RESTORED]') && !child.killed) child.kill('SIGINT')
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    assert.equal(code, ExitCode.INTERRUPTED, stderr)
    assert.match(stderr, /SIGINT: starting no more restores/)
    const lines = stdout.trim().split('\n')
    assert.equal(lines.length, tags.length)
    const skipped = lines.filter((line) => line.endsWith('[SKIPPED]'))
    assert.ok(skipped.length > 0, stdout)
    // Every line is true on the registry.
    for (const line of lines) {
      const tag = /:(i\d+)\s/.exec(line)![1]!
      const now = await client().exists(name, tag)
      if (line.endsWith('[RESTORED]')) assert.equal(now, built[tags.indexOf(tag)]!.digest, line)
      else assert.equal(now, undefined, line)
    }
  })

  it('a record folder that cannot be written refuses before the prompt: exit 2, nothing deleted', async () => {
    const host = registry().host
    const name = 'undo/no-folder'
    const image = buildImage({created: '2024-06-02T00:00:00Z', layers: ['no folder']})
    await pushImage(client(), name, ['x'], image)
    // A folder under a file: ENOTDIR.
    const file = join(dir(), 'a-file')
    await writeFile(file, '')
    const result = await runCli(['delete-tags', `${host}/${name}:x`, '--record-dir', join(file, 'records')], {
      input: 'y\n',
      env: env(),
    })
    assert.equal(result.code, ExitCode.USAGE, result.stderr)
    assert.match(result.stderr, /^registryctl: cannot write the recovery record in .*a-file\/records: ENOTDIR/m)
    assert.doesNotMatch(result.stderr, /\[y\/N\]/)
    assert.equal(await client().exists(name, 'x'), image.digest)
  })

  it('--no-record deletes with a warning and records nothing', async () => {
    const host = registry().host
    const name = 'undo/unrecorded'
    await pushImage(client(), name, ['x'], buildImage({created: '2024-06-01T00:00:00Z', layers: ['unrecorded']}))
    const state = join(dir(), 'state-none')
    const result = await runCli(['delete-tags', `${host}/${name}:x`, '--yes', '--no-record'], {
      env: {XDG_STATE_HOME: state},
    })
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stderr, /warning: --no-record/)
    assert.deepEqual(readRecords(join(state, 'registryctl')), [])
  })
})
