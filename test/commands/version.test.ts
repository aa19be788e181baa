import {strict as assert} from 'node:assert'

import {runCli} from '../helpers/cli.js'

describe('--version', () => {
  it("answers from the fast path with exactly oclif's own string", async () => {
    const fast = await runCli(['--version'])
    // Two arguments skip the fast path: this is oclif's answer.
    const oclif = await runCli(['--version', '--debug'])
    assert.equal(fast.code, 0)
    assert.match(fast.stdout, /^registryctl\/\d+\.\d+\.\d+ \w+-\w+ node-v\d+/)
    assert.equal(fast.stdout, oclif.stdout)
  })
})
