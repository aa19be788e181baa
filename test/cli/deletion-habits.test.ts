import {strict as assert} from 'node:assert'
import {PassThrough} from 'node:stream'

import {confirmFromStdin, isYes} from '../../src/cli/deletion-habits.js'
import {formatResultNotes} from '../../src/cli/render/deletion.js'

describe('deletion habits', () => {
  it('counts only an explicit y or yes as confirmation', () => {
    for (const yes of ['y', 'Y', 'yes', 'YES', ' y ', 'yes\r']) assert.equal(isYes(yes), true, JSON.stringify(yes))
    for (const no of ['', 'n', 'no', 'yy', 'yess', 'ok', 'y es', '1'])
      assert.equal(isYes(no), false, JSON.stringify(no))
  })

  it('reads the first line of a piped stdin, and refuses on EOF or when nothing comes in time', async () => {
    const ask = async (feed: (stream: PassThrough) => void, timeoutMs = 2000) => {
      const stdin = new PassThrough()
      const stderr = new PassThrough()
      let written = ''
      stderr.on('data', (chunk: Buffer) => (written += chunk.toString()))
      const answer = confirmFromStdin('Delete 2 tag(s)?', {stdin, stderr, timeoutMs})
      feed(stdin)
      return {answer: await answer, written}
    }

    assert.deepEqual(await ask((s) => s.end('y\nanything else\n')), {
      answer: true,
      written: 'Delete 2 tag(s)? [y/N] y\n',
    })
    assert.equal((await ask((s) => s.end('n\n'))).answer, false)
    assert.deepEqual(await ask((s) => s.end()), {answer: false, written: 'Delete 2 tag(s)? [y/N] (no answer)\n'})
    const started = Date.now()
    assert.equal((await ask(() => {}, 200)).answer, false)
    assert.ok(Date.now() - started < 1500)
  })

  it('stops waiting for a piped answer at a signal (SIGINT while asked): no answer, at once', async () => {
    const controller = new AbortController()
    const stdin = new PassThrough()
    const started = Date.now()
    const answer = confirmFromStdin('Delete 2 tag(s)?', {stdin, stderr: new PassThrough(), signal: controller.signal})
    setTimeout(() => controller.abort(), 50)
    assert.equal(await answer, false)
    assert.ok(Date.now() - started < 1000, 'waited for the 10 s timeout')
  })

  it('bounds every note to the width and ends with the counts', () => {
    const siblings = Array.from({length: 140}, (_, i) => `build-${i}`)
    const result = {
      registry: 'r.example',
      name: 'app',
      tags: [
        {
          tag: 'v1',
          digest: 'sha256:1',
          status: 'KEPT' as const,
          detail: `its image is also tagged ${siblings.join(', ')}, not selected: see --include-siblings, --keep-siblings`,
        },
      ],
      digests: [],
      counts: {DONE: 0, FAIL: 0, GONE: 0, KEPT: 1, CHANGED: 0, UNKNOWN: 0, SKIPPED: 0},
      blocked: true,
      interrupted: false,
      exitCode: 12,
    }
    const plan = {
      tags: [],
      digests: [{digest: 'sha256:1', tags: ['v1', ...siblings], siblings, action: 'blocked'}],
    } as never
    const [note, counts] = formatResultNotes(result, {width: 120, plan})
    assert.ok(note!.length <= 120, note)
    assert.match(note!, /^v1 \[KEPT\] its image is also tagged build-0, .*… \(\+\d+ more\), not selected/)
    assert.equal(counts, '1 kept.')
  })
})
