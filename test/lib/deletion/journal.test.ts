import {strict as assert} from 'node:assert'
import {appendFileSync} from 'node:fs'
import {join} from 'node:path'

import {Journal, lastRun, readJournal, readLastRun} from '../../../src/lib/deletion/journal.js'
import {planDeletion} from '../../../src/lib/deletion/plan.js'
import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {useTempDir} from '../../helpers/tmp.js'

const A = `sha256:${'a'.repeat(64)}`

describe('deletion/journal', () => {
  const dir = useTempDir('journal')
  const plan = () =>
    planDeletion({registry: 'r.test', name: 'app', pattern: 'old*', policy: 'block', tags: [{tag: 'old1', digest: A}]})

  it('appends start, one line per outcome as it is recorded, and end; runs append to one file', () => {
    const path = join(dir(), 'j.jsonl')
    for (let run = 0; run < 2; run++) {
      const journal = Journal.open(path)
      journal.start(plan())
      journal.outcome(plan(), {tag: 'old1', digest: A, status: run === 0 ? 'SKIPPED' : 'DONE'})
      // Written before the run ends: a killed run leaves it.
      assert.equal(readJournal(path).filter((record) => record.event === 'outcome').length, run + 1)
      journal.end({
        registry: 'r.test',
        name: 'app',
        tags: [],
        digests: [],
        counts: {DONE: 0, FAIL: 0, GONE: 0, KEPT: 0, CHANGED: 0, UNKNOWN: 0, SKIPPED: 0},
        blocked: false,
        interrupted: run === 0,
        exitCode: 0,
      })
      journal.close()
    }

    assert.deepEqual(
      readJournal(path).map((record) => record.event),
      ['start', 'outcome', 'end', 'start', 'outcome', 'end'],
    )
    assert.deepEqual(lastRun(readJournal(path))?.counts, {DONE: 1})
    assert.equal(lastRun(readJournal(path))?.ended, true)
    // A run killed after one outcome: no end line.
    const killed = Journal.open(path)
    killed.start(plan())
    killed.outcome(plan(), {tag: 'old1', digest: A, status: 'UNKNOWN'})
    killed.close()
    assert.deepEqual(
      {...lastRun(readJournal(path)), start: undefined},
      {start: undefined, ended: false, interrupted: false, counts: {UNKNOWN: 1}},
    )
  })

  it('reads the last run back from the end of the file, whatever the chunk boundaries', () => {
    const path = join(dir(), 'runs.jsonl')
    for (let run = 0; run < 3; run++) {
      const journal = Journal.open(path)
      journal.start(plan())
      for (let k = 0; k <= run; k++)
        journal.outcome(plan(), {tag: `old${k}`, digest: A, status: run === 2 ? 'UNKNOWN' : 'DONE'})
      if (run < 2)
        journal.end({
          registry: 'r.test',
          name: 'app',
          tags: [],
          digests: [],
          counts: {DONE: 0, FAIL: 0, GONE: 0, KEPT: 0, CHANGED: 0, UNKNOWN: 0, SKIPPED: 0},
          blocked: false,
          interrupted: false,
          exitCode: 0,
        })
      journal.close()
    }

    const whole = lastRun(readJournal(path))
    assert.deepEqual(whole?.counts, {UNKNOWN: 3})
    for (const chunk of [1, 7, 16, 64, 1000, 1 << 20])
      assert.deepEqual(readLastRun(path, chunk), whole, `chunk ${chunk}`)
    // No start line at all (nor one glued to the line before it): no run.
    const startless = join(dir(), 'startless.jsonl')
    appendFileSync(
      startless,
      `x{"event":"start"}\n${JSON.stringify({event: 'outcome', tag: 'old1', status: 'DONE'})}\n`,
    )
    assert.equal(readLastRun(startless, 8), undefined)
  })

  it('skips a torn last line (a write cut short by a crash)', () => {
    const path = join(dir(), 'torn.jsonl')
    const journal = Journal.open(path)
    journal.start(plan())
    journal.close()
    appendFileSync(path, '{"event":"outcome","tag":"ol')
    assert.deepEqual(
      readJournal(path).map((record) => record.event),
      ['start'],
    )
  })

  it('tells onError once when a line cannot be written (a full disk), then writes nothing more; throws without it', () => {
    const errors: string[] = []
    const journal = Journal.open('/dev/full', {onError: (error) => errors.push(error.code!)})
    journal.start(plan())
    journal.outcome(plan(), {tag: 'old1', digest: A, status: 'DONE'})
    journal.close()
    assert.deepEqual(errors, ['ENOSPC'])
    const strict = Journal.open('/dev/full')
    assert.throws(() => strict.start(plan()), /ENOSPC/)
    strict.close()
  })

  it('refuses a journal it cannot write, before anything is deleted (exit 2)', () => {
    assert.throws(
      () => Journal.open(join(dir(), 'missing-dir', 'j.jsonl')),
      (error: RegistryCtlError) => error.exitCode === ExitCode.USAGE && /cannot write journal/.test(error.message),
    )
  })
})
