import {strict as assert} from 'node:assert'

import {fnmatch, fnmatcher, isLiteralPattern} from '../../src/lib/glob.js'

// [pattern, text, expected]: generated with CPython 3.11's fnmatch.fnmatchcase, the behaviour
// docker-registryctl users rely on.
const PYTHON_FNMATCH: Array<[string, string, boolean]> = [
  ['2021-*', '2021-07-28', true],
  ['2021-*', 'x2021-07', false],
  ['*', 'a/b', true],
  ['a?c', 'abc', true],
  ['a?c', 'ac', false],
  ['[ab]x', 'bx', true],
  ['[!ab]x', 'bx', false],
  ['[!ab]x', 'cx', true],
  ['[]]', ']', true],
  ['[!]]', 'a', true],
  ['[!]]', ']', false],
  ['[a-c]', 'b', true],
  ['[z-a]', 'b', false],
  ['[!z-a]', 'b', true],
  ['[', '[', true],
  ['[abc', '[abc', true],
  ['a.b', 'a.b', true],
  ['a.b', 'axb', false],
  ['*.tar', 'x.tar', true],
  ['[a-]', '-', true],
  ['[-a]', '-', true],
  ['[\\]', '\\', true],
  ['v1.*-rc[0-9]', 'v1.2-rc3', true],
  ['v1.*-rc[0-9]', 'v1.2-rcx', false],
  ['(x)', '(x)', true],
  ['a|b', 'a', false],
  ['^x$', '^x$', true],
  ['x{2}', 'xx', false],
  ['team/*', 'team/app/x', true],
  ['*stable*', 'stable', true],
  ['**', '', true],
]

describe('glob (fnmatch semantics)', () => {
  for (const [pattern, text, expected] of PYTHON_FNMATCH) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(text)}`, () => {
      assert.equal(fnmatch(text, pattern), expected)
    })
  }

  it('is case-sensitive, as fnmatch on POSIX', () => {
    assert.equal(fnmatch('Stable', 'stable'), false)
  })

  it('compiles once and keeps the pattern for messages', () => {
    const match = fnmatcher('2021-*')
    assert.equal(match.pattern, '2021-*')
    assert.deepEqual(['2021-01', '2022-01'].filter(match), ['2021-01'])
  })

  it('tells literal patterns from globs', () => {
    assert.equal(isLiteralPattern('v1.2.3'), true)
    assert.equal(isLiteralPattern('v1.*'), false)
    assert.equal(isLiteralPattern('v[12]'), false)
  })
})
