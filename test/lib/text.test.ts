import {strict as assert} from 'node:assert'

import {printable} from '../../src/lib/text.js'

describe('text', () => {
  it('escapes C0 and C1 control characters visibly and keeps the rest, Unicode included', () => {
    assert.equal(
      printable('ok\u001B]0;pwned\u0007\r\nregistry/x:forged'),
      'ok\\x1B]0;pwned\\x07\\x0D\\x0Aregistry/x:forged',
    )
    assert.equal(printable('\u0000\u007F\u0085\u009F'), '\\x00\\x7F\\x85\\x9F')
    assert.equal(printable('2021-03-02T10:10:10Z é ✓ tab\there'), '2021-03-02T10:10:10Z é ✓ tab\\x09here')
  })
})
