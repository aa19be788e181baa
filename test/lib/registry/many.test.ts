import {strict as assert} from 'node:assert'

import {NotFoundError, ExitCode} from '../../../src/lib/errors.js'
import {forEachReference, referenceLines} from '../../../src/lib/registry/many.js'

describe('many references', () => {
  it('reads one reference a line, skipping blank lines and # comments', () => {
    assert.deepEqual(referenceLines('# list\r\n a/b:c \n\n   \n#x\nd/e@sha256:0\n'), ['a/b:c', 'd/e@sha256:0'])
  })

  it('hands outcomes over in input order as soon as every earlier one is done; failures are data', async () => {
    const delays: Record<string, number> = {a: 30, b: 5, c: 15, d: 0}
    const seen: string[] = []
    const outcomes = await forEachReference(
      Object.keys(delays),
      4,
      async (input) => {
        await new Promise((resolve) => setTimeout(resolve, delays[input]))
        if (input === 'c')
          throw new NotFoundError('c not found', ExitCode.NOT_FOUND, {status: 404, codes: [], url: 'http://r/c'})
        return input.toUpperCase()
      },
      (outcome, index) => seen.push(`${index}:${'error' in outcome ? outcome.error.message : outcome.value}`),
    )
    assert.deepEqual(seen, ['0:A', '1:B', '2:c not found', '3:D'])
    assert.deepEqual(
      outcomes.map((outcome) => ('error' in outcome ? 'error' : outcome.value)),
      ['A', 'B', 'error', 'D'],
    )
  })

  it('fails the whole call on an error that is not a registryctl error (a bug)', async () => {
    await assert.rejects(
      forEachReference(['a'], 1, async () => {
        throw new TypeError('bug')
      }),
      TypeError,
    )
  })
})
