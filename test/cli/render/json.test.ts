import {strict as assert} from 'node:assert'

import {jsonChunks} from '../../../src/cli/render/json.js'

const whole = (value: unknown, chunkSize?: number) => [...jsonChunks(value, chunkSize)].join('')

describe('jsonChunks', () => {
  const samples: Array<[string, unknown]> = [
    [
      'scalars',
      [0, -1.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY, true, false, null, '', 'a"b\\c\n\u0001\u2028é😀', '\uD800'],
    ],
    ['empty containers', {a: [], b: {}, c: [[], [{}]], d: [{}, []]}],
    [
      'nesting',
      {
        store: {
          repositories: [{name: 'a/b', tags: 2, reclaimable: {default: 1, deleteUntagged: 2}}],
          blobs: {count: 3},
        },
      },
    ],
    [
      'left out in objects, null in arrays',
      {a: undefined, b: () => 1, c: Symbol('s'), d: 1, e: [undefined, () => 1, Symbol('t'), 2]},
    ],
    ['only left-out members', {a: undefined, b: () => 1}],
    // Dates are the only toJSON a report holds (the library does not pass toJSON its key, as JSON.stringify does).
    ['dates', {when: new Date(Date.UTC(2020, 0, 2)), list: [new Date(0)]}],
    ['toJSON returning undefined', {a: {toJSON: () => undefined}, b: [{toJSON: () => undefined}]}],
    ['boxed primitives', [new Number(3), new String('s'), new Boolean(false)]],
    ['keys that need escaping', {'a"b': 1, '\n': 2, 1: 3}],
    ['top-level scalar', 'just a string'],
    ['top-level null', null],
  ]

  for (const [name, value] of samples) {
    it(`is JSON.stringify(value, null, 2) byte for byte: ${name}`, () => {
      const expected = JSON.stringify(value, null, 2)
      assert.equal(whole(value), expected)
      assert.equal(whole(value, 1), expected)
      assert.equal(whole(value, 7), expected)
    })
  }

  it('fails as JSON.stringify does on a BigInt', () => {
    assert.throws(() => JSON.stringify({a: 1n}), TypeError)
    assert.throws(() => whole({a: 1n}), TypeError)
  })

  it('gives a large report in pieces of about the chunk size, never as one string', () => {
    const digests = Array.from({length: 20_000}, (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`)
    const report = {
      store: {
        default: {eligibleBlobs: digests},
        deleteUntagged: {eligibleManifests: digests.map((digest) => ({repository: 'r', digest}))},
      },
    }
    const pieces = [...jsonChunks(report, 4096)]
    const expected = JSON.stringify(report, null, 2)
    assert.equal(pieces.join(''), expected)
    assert.ok(pieces.length > expected.length / 8192, `${pieces.length} pieces`)
    // A piece ends once it reaches the size: it exceeds it by at most one element's text.
    for (const piece of pieces) assert.ok(piece.length < 4096 + 200, `a piece of ${piece.length}`)
  })
})
