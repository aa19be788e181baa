import {strict as assert} from 'node:assert'
import {PassThrough} from 'node:stream'

import {formatProgress, startProgress} from '../../../src/cli/render/progress.js'

function fakeStream(isTTY: boolean): NodeJS.WriteStream & {output: () => string} {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & {output: () => string}
  let written = ''
  stream.write = ((chunk: string) => {
    written += chunk
    return true
  }) as never
  Object.assign(stream, {isTTY, columns: 40, output: () => written})
  return stream
}

describe('progress line', () => {
  it('says what is done of what, the requests and their rate', () => {
    const inventory = {repositories: 3, repositoriesTotal: 500, tags: 120, tagsTotal: 130}
    assert.equal(
      formatProgress({label: 'listing', inventory, requests: () => 250}, 500),
      'listing: 3/500 repositories, 120/130 tags, 250 requests (500/s)',
    )
    assert.equal(formatProgress({label: 'resolving tags', requests: () => 0}, 0), 'resolving tags: 0 requests (0/s)')
  })

  it('draws on a terminal, cut to its width, and erases itself on stop', () => {
    const stream = fakeStream(true)
    const progress = startProgress(
      {label: 'listing', inventory: {repositories: 1, repositoriesTotal: 2, tags: 5, tagsTotal: 9}, requests: () => 7},
      {enabled: true, stream},
    )
    progress.stop()
    progress.stop()
    const frames = stream.output().split('\r').filter(Boolean)
    assert.equal(frames.at(-1), '\u001B[K')
    assert.ok(frames.length === 3, frames.join('|'))
    for (const frame of frames.slice(0, -1)) assert.ok(frame.length <= 39 + 3, frame)
    assert.match(frames[0]!, /^listing: 1\/2 repositories, 5\/9 tags,/)
  })

  it('writes nothing when the stream is not a terminal, or when disabled (--json)', () => {
    for (const [isTTY, enabled] of [
      [false, true],
      [true, false],
    ] as Array<[boolean, boolean]>) {
      const stream = fakeStream(isTTY)
      startProgress({label: 'listing', requests: () => 1}, {enabled, stream}).stop()
      assert.equal(stream.output(), '')
    }
  })
})
