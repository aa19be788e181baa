import {strict as assert} from 'node:assert'

import {oneLineParseError} from '../../src/cli/base-command.js'

describe('base-command oneLineParseError', () => {
  it("folds oclif's multi-line parse errors into one line", () => {
    assert.equal(
      oneLineParseError(
        'Missing 1 required arg:\nregistry  Registry host[:port], optionally with http:// or https://.\nSee more help with --help',
      ),
      'Missing 1 required arg: registry (see --help)',
    )
    assert.equal(
      oneLineParseError('The following error occurred:\n  Missing required flag hosts\nSee more help with --help'),
      'Missing required flag hosts (see --help)',
    )
    assert.equal(
      oneLineParseError('The following errors occurred:\n  a\n  b\nSee more help with --help'),
      'a; b (see --help)',
    )
    assert.equal(oneLineParseError('Nonexistent flag: --bogus\nSee more help with --help'), 'Nonexistent flag: --bogus')
  })
})
