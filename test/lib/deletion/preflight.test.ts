import {strict as assert} from 'node:assert'

import {planDeletion} from '../../../src/lib/deletion/plan.js'
import {preflightPlans, writeProbes} from '../../../src/lib/deletion/preflight.js'
import type {RegistryClient} from '../../../src/lib/registry/client.js'

const D = (c: string) => `sha256:${c.repeat(64)}`

/** A plan deleting `old` in `name`; with `sibling`, the image is also tagged `stable` (blocked, or untagged with keep). */
const planFor = (name: string, options: {sibling?: 'block' | 'keep'} = {}) =>
  planDeletion({
    registry: 'reg',
    name,
    pattern: 'old',
    policy: options.sibling ?? 'block',
    tags: [{tag: 'old', digest: D('1')}, ...(options.sibling ? [{tag: 'stable', digest: D('1')}] : [])],
  })

describe('deletion/preflight', () => {
  it('probes one repository per namespace the plans delete in, pushing where tags are moved', () => {
    const plans = [
      planFor('team/a'),
      planFor('team/b', {sibling: 'keep'}),
      planFor('team/c'),
      planFor('restricted/x'),
      planFor('restricted/y'),
      planFor('blocked/z', {sibling: 'block'}),
      planFor('toplevel'),
    ]
    assert.deepEqual(writeProbes(plans), [
      {name: 'team/b', push: true},
      {name: 'restricted/x', push: false},
      {name: 'toplevel', push: false},
    ])
    assert.deepEqual(writeProbes([planFor('blocked/z', {sibling: 'block'})]), [])
  })

  it('sends those probes, in order, and stops at the first refusal', async () => {
    const sent: string[] = []
    const client = {
      async probeDelete(name: string) {
        sent.push(`delete ${name}`)
        if (name.startsWith('restricted/')) throw new Error(`refused ${name}`)
      },
      async probePush(name: string) {
        sent.push(`push ${name}`)
      },
    } as unknown as RegistryClient
    await assert.rejects(
      preflightPlans(client, [planFor('team/a', {sibling: 'keep'}), planFor('restricted/x'), planFor('z/z')]),
      /refused restricted\/x/,
    )
    assert.deepEqual(sent, ['delete team/a', 'push team/a', 'delete restricted/x'])
  })
})
