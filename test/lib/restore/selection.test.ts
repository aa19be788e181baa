/** Which recorded tags a restore picks, and how records are read back and pruned (no registry). */
import {strict as assert} from 'node:assert'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {pruneRecords, readRecords, type RecordedRun, RecoveryRecord} from '../../../src/lib/deletion/recovery.js'
import {selectCandidates} from '../../../src/lib/restore/restore.js'
import {useTempDir} from '../../helpers/tmp.js'

const image = (name: string, digest: string, tags: string[]) => ({
  event: 'image' as const,
  time: '2026-12-07T00:00:00Z',
  registry: 'r.example',
  name,
  digest,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  manifest: '',
  tags,
  children: [],
})

const run = (id: string, images: ReturnType<typeof image>[], outcomes: Array<[string, string]> = []): RecordedRun => ({
  id,
  path: `/x/${id}`,
  time: id,
  images,
  outcomes: new Map(outcomes.map(([tag, status]) => [`r.example/app:${tag}`, status])),
})

describe('restore selection', () => {
  const runs = [
    run('1', [image('app', 'sha256:a', ['stable', 'v1']), image('other', 'sha256:o', ['x'])]),
    run('2', [image('app', 'sha256:b', ['stable']), image('app', 'sha256:c', ['v2', 'v3'])], [['v3', 'CHANGED']]),
    run('3', [image('other', 'sha256:p', ['y'])]),
  ]
  const tagsOf = (candidates: ReturnType<typeof selectCandidates>) =>
    candidates.map((candidate) => `${candidate.tag}@${candidate.image.digest}`).sort()

  it('without a glob: every tag the last run that deleted in the repository deleted, except those never sent', () => {
    assert.deepEqual(tagsOf(selectCandidates(runs, {registry: 'r.example', name: 'app'})), [
      'stable@sha256:b',
      'v2@sha256:c',
    ])
  })

  it('with a glob: the most recent record of each matching tag, from any run', () => {
    assert.deepEqual(tagsOf(selectCandidates(runs, {registry: 'r.example', name: 'app', pattern: '[sv]*'})), [
      'stable@sha256:b',
      'v1@sha256:a',
      'v2@sha256:c',
    ])
  })

  it('--run: that run only; another registry or repository: nothing', () => {
    assert.deepEqual(tagsOf(selectCandidates(runs, {registry: 'r.example', name: 'app', runId: '1'})), [
      'stable@sha256:a',
      'v1@sha256:a',
    ])
    assert.deepEqual(selectCandidates(runs, {registry: 'elsewhere', name: 'app'}), [])
    assert.deepEqual(selectCandidates(runs, {registry: 'r.example', name: 'app', runId: '9'}), [])
  })
})

describe('recovery record files', () => {
  const dir = useTempDir('records')

  it('reads back what was written, skipping a torn last line; a run that recorded nothing leaves no file', () => {
    const empty = RecoveryRecord.open(join(dir(), 'a'))
    empty.close()
    assert.equal(existsSync(empty.path), false)

    const record = RecoveryRecord.open(join(dir(), 'a'))
    record.image({...image('app', 'sha256:a', ['t']), manifest: Buffer.from('{"x":1}').toString('base64')})
    record.outcome('r.example', 'app', {tag: 't', digest: 'sha256:a', status: 'DONE'})
    record.close()
    writeFileSync(record.path, '{"event":"image","trunc', {flag: 'a'})
    const [read] = readRecords(join(dir(), 'a'))
    assert.equal(read!.images.length, 1)
    assert.equal(Buffer.from(read!.images[0]!.manifest, 'base64').toString(), '{"x":1}')
    assert.equal(read!.outcomes.get('r.example/app:t'), 'DONE')
  })

  it('a write that fails calls onError once and throws, so the image is not deleted', () => {
    const failures: string[] = []
    const record = RecoveryRecord.open(join(dir(), 'b'), {onError: (error) => failures.push(String(error.code))})
    record.close()
    // Closed under it: the next write fails as a full disk would.
    ;(record as unknown as {fd: number | undefined}).fd = 1_000_000
    assert.throws(() => record.image(image('app', 'sha256:a', ['t'])))
    assert.throws(() => record.image(image('app', 'sha256:b', ['u'])))
    assert.deepEqual(failures, ['EBADF'])
  })

  it('prunes records older than the age kept', () => {
    const old = join(dir(), 'c')
    for (const [when, digest] of [
      ['2026-01-01T00:00:00Z', 'sha256:a'],
      ['2026-12-01T00:00:00Z', 'sha256:b'],
    ] as const) {
      const record = RecoveryRecord.open(old, {now: new Date(when), keepMs: 400 * 86_400_000})
      record.image(image('app', digest, ['t']))
      record.close()
    }

    assert.equal(pruneRecords(old, 30 * 86_400_000, new Date('2026-12-07T00:00:00Z')), 1)
    assert.deepEqual(
      readRecords(old).map((entry) => entry.images[0]!.digest),
      ['sha256:b'],
    )
  })
})
