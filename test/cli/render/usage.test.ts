import {strict as assert} from 'node:assert'

import {nearestFlag} from '../../../src/cli/base-command.js'
import {usageLine} from '../../../src/cli/render/usage.js'

describe('usage line', () => {
  it('lists overlapping exclusive groups without an empty alternative', () => {
    const flag = (name: string, extra: Record<string, unknown> = {}) => ({name, type: 'boolean' as const, ...extra})
    const usage = usageLine({
      args: {image: {}},
      flags: {
        a: flag('a', {exclusive: ['b']}),
        b: flag('b', {exclusive: ['a']}),
        plan: {name: 'plan', type: 'option', exclusive: ['a', 'b', 'keep']},
        keep: {name: 'keep', type: 'option', helpValue: 'N'},
        user: {name: 'user', type: 'option', dependsOn: ['pass']},
        pass: flag('pass', {dependsOn: ['user']}),
      },
    })
    assert.equal(usage, '<%= command.id %> [IMAGE] [--a | --b] [--plan <value> | --keep N] [--user <value> --pass]')
  })

  it('suggests the nearest flag for a typo, and none for something else', () => {
    assert.equal(nearestFlag('--dryrun', ['dry-run', 'debug', 'journal']), '--dry-run')
    assert.equal(nearestFlag('--jurnal=x', ['dry-run', 'journal']), '--journal')
    assert.equal(nearestFlag('--frobnicate', ['dry-run', 'journal']), undefined)
  })
})
