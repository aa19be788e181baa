/**
 * A record that cannot be written during a deletion (src/cli/interruption.ts): a journal on a full disk
 * stops the run as a first Ctrl-C does. Deletions in flight finish, none start after, and every tag's
 * outcome is still reported on stdout, agreeing with the registry; exit 74.
 */
import {strict as assert} from 'node:assert'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {readJournal} from '../../src/lib/deletion/journal.js'
import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {assertReportTrue, seedBuilds} from '../helpers/stopped-run.js'

const TAGS = 30

/** A 4 KB tmpfs (one page): a journal there fills after about 15 lines, as a disk fills mid-run. */
function mountTinyDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'registryctl-tiny-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', dir], {stdio: 'ignore'})
    return dir
  } catch {
    rmSync(dir, {recursive: true, force: true})
    return undefined
  }
}

describe('interruption @integration', () => {
  const registry = useRegistry()
  const client = () => localSession().client({host: registry().host})

  it('stops when the journal cannot be written at all: nothing deleted, every tag [SKIPPED], exit 74', async () => {
    const name = 'journal/full-at-start'
    await seedBuilds(client(), name, TAGS)
    const {code, stdout, stderr} = await runCli([
      'delete-tags',
      `${registry().host}/${name}:build-*`,
      '--yes',
      '--journal',
      '/dev/full',
    ])
    assert.equal(code, ExitCode.OUTPUT, stderr)
    assert.deepEqual(
      new Set((await assertReportTrue(client(), registry().host, name, TAGS, stdout)).values()),
      new Set(['SKIPPED']),
    )
    assert.match(
      stderr.trimEnd().split('\n').at(-1)!,
      /^registryctl: journal \/dev\/full failed: no space left on device \(ENOSPC\); 0 tag\(s\) deleted, 30 not attempted \(\[SKIPPED\]\); every tag's outcome is on stdout$/,
    )
  })

  it('stops cleanup the same way when its journal cannot be written', async () => {
    const name = 'journal/cleanup'
    await seedBuilds(client(), name, TAGS)
    const dir = mkdtempSync(join(tmpdir(), 'registryctl-cleanup-journal-'))
    try {
      const policy = join(dir, 'policy.yaml')
      writeFileSync(
        policy,
        `registry: ${registry().host}\nrules:\n  - name: all\n    repositories: ["${name}"]\n    tags: ["build-*"]\n    keep: 0\n`,
      )
      const {code, stdout, stderr} = await runCli([
        'cleanup',
        policy,
        '--yes',
        '--journal',
        '/dev/full',
        '--lock-dir',
        dir,
      ])
      assert.equal(code, ExitCode.OUTPUT, stderr)
      assert.deepEqual(
        new Set((await assertReportTrue(client(), registry().host, name, TAGS, stdout)).values()),
        new Set(['SKIPPED']),
      )
      assert.match(
        stderr.trimEnd().split('\n').at(-1)!,
        /^registryctl: journal \/dev\/full failed: no space left on device \(ENOSPC\); 0 tag\(s\) deleted, 30 not attempted \(\[SKIPPED\]\), 0 repositories not started; every outcome is on stdout$/,
      )
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('stops when the journal fills the disk mid-run: in-flight deletions finish, the rest [SKIPPED], exit 74', async function () {
    const disk = mountTinyDisk()
    if (!disk) this.skip() // needs root and mount(8): the CI machine has both
    try {
      const name = 'journal/full-mid-run'
      await seedBuilds(client(), name, TAGS)
      const journal = join(disk!, 'deletions.jsonl')
      const {code, stdout, stderr} = await runCli([
        'delete-tags',
        `${registry().host}/${name}:build-*`,
        '--yes',
        '--journal',
        journal,
        '--concurrency',
        '2',
      ])
      assert.equal(code, ExitCode.OUTPUT, stderr)
      const outcomes = await assertReportTrue(client(), registry().host, name, TAGS, stdout)
      const statuses = [...outcomes.values()]
      assert.ok(statuses.includes('DONE') && statuses.includes('SKIPPED'), stdout)
      assert.match(
        stderr,
        new RegExp(
          `^registryctl: journal ${journal} failed: no space left on device \\(ENOSPC\\); starting no more deletions`,
          'm',
        ),
      )
      // What the journal holds is true: every outcome it recorded is the one stdout reports.
      const recorded = readJournal(journal).filter((record) => record.event === 'outcome')
      assert.ok(recorded.length > 0)
      for (const record of recorded) assert.equal(outcomes.get(record.tag), record.status, record.tag)
    } finally {
      execFileSync('umount', [disk!])
      rmSync(disk!, {recursive: true, force: true})
    }
  })
})
