import {strict as assert} from 'node:assert'

import {assumeTerminalSize} from '../../src/cli/deletion-command.js'

describe('the deletion view on a terminal', () => {
  it('takes a terminal that reports no size as $COLUMNS x $LINES, else 80 x 24', () => {
    const sizeless = {columns: 0, rows: 0}
    assumeTerminalSize(sizeless, {})
    assert.deepEqual(sizeless, {columns: 80, rows: 24})
    const fromEnv = {columns: 0, rows: 0}
    assumeTerminalSize(fromEnv, {COLUMNS: '132', LINES: '50'})
    assert.deepEqual(fromEnv, {columns: 132, rows: 50})
    // Nonsense in the environment is ignored, as a width of 3 would wrap the view again.
    const odd = {columns: 0, rows: 0}
    assumeTerminalSize(odd, {COLUMNS: '3', LINES: 'many'})
    assert.deepEqual(odd, {columns: 80, rows: 24})
  })

  it('leaves a terminal that reports its size as it is', () => {
    const sized = {columns: 100, rows: 30}
    assumeTerminalSize(sized, {COLUMNS: '132', LINES: '50'})
    assert.deepEqual(sized, {columns: 100, rows: 30})
  })
})
