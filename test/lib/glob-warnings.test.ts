import {strict as assert} from 'node:assert'

import {fnmatch, globWarnings} from '../../src/lib/glob.js'

describe('glob warnings', () => {
  it('warns about an unclosed [ (fnmatch then matches it literally), naming the pattern and the position', () => {
    const [warning, ...rest] = globWarnings('2021-[0-9*')
    assert.equal(rest.length, 0)
    assert.match(
      warning!,
      /in pattern '2021-\[0-9\*' the '\[' at position 6 is never closed, so it matches a literal '\['/,
    )
    // The pattern keeps fnmatch's meaning: the warning changes nothing.
    assert.ok(fnmatch('2021-[0-9x', '2021-[0-9*'))
  })

  it('says nothing about closed sets, their corner cases, or patterns without sets', () => {
    for (const pattern of ['2021-*', '[ab]x', '[]]', '[!]]', '[[]', 'v1.*-rc[0-9]', '*', ''])
      assert.deepEqual(globWarnings(pattern), [], pattern)
    assert.equal(globWarnings('[ab]x[').length, 1)
  })
})
