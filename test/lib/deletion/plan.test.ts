import {strict as assert} from 'node:assert'

import {type PlanInput, planDeletion, planInconsistency, type SiblingPolicy} from '../../../src/lib/deletion/plan.js'
import {parseDuration} from '../../../src/lib/duration.js'
import {seededRandom, testSeed} from '../../helpers/prng.js'

const D = (c: string) => `sha256:${c.repeat(64)}`
// team/app as docker-registryctl users know it: `stable` shares the 2021-07 image.
const TAGS: PlanInput['tags'] = [
  {tag: '2021-03-02', digest: D('a'), created: '2021-03-02T00:00:00Z'},
  {tag: '2021-07-28', digest: D('b'), created: '2021-07-28T00:00:00Z'},
  {tag: 'stable', digest: D('b'), created: '2021-07-28T00:00:00Z'},
  {tag: '2022-01-15', digest: D('c'), created: '2022-01-15T00:00:00Z'},
  {tag: 'latest', digest: D('c'), created: '2022-01-15T00:00:00Z'},
]
const plan = (extra: Partial<PlanInput>) =>
  planDeletion({
    registry: 'r',
    name: 'team/app',
    pattern: '2021-*',
    policy: 'block',
    tags: TAGS,
    now: new Date('2022-06-01T00:00:00Z'),
    ...extra,
  })
const actions = (p: ReturnType<typeof planDeletion>) => Object.fromEntries(p.tags.map((t) => [t.tag, t.action]))

describe('deletion/plan', () => {
  it('blocks, by default, an image that an unselected tag still uses', () => {
    const p = plan({})
    assert.deepEqual(actions(p), {'2021-03-02': 'delete', '2021-07-28': 'kept'})
    assert.equal(p.blocked, true)
    assert.deepEqual(
      p.digests.map((d) => [d.digest, d.action, d.siblings]),
      [
        [D('a'), 'delete', []],
        [D('b'), 'blocked', ['stable']],
      ],
    )
    assert.match(p.tags[1]!.reason!, /also tagged stable, not selected/)
  })

  it('deletes the siblings too with --include-siblings, and lists them', () => {
    const p = plan({policy: 'include'})
    assert.deepEqual(actions(p), {'2021-03-02': 'delete', '2021-07-28': 'delete', stable: 'delete'})
    assert.equal(p.tags.find((t) => t.tag === 'stable')!.selected, false)
    assert.equal(p.blocked, false)
  })

  it('removes only the selected names with --keep-siblings', () => {
    const p = plan({policy: 'keep'})
    assert.deepEqual(actions(p), {'2021-03-02': 'delete', '2021-07-28': 'untag'})
    assert.deepEqual(p.digests.find((d) => d.digest === D('b'))!.action, 'untag')
  })

  it('needs no sibling policy when every tag of an image is selected', () => {
    const p = plan({pattern: '*'})
    assert.equal(p.blocked, false)
    assert.ok(p.tags.every((t) => t.action === 'delete'))
  })

  it('never deletes protected tags, and a protected sibling blocks even --include-siblings', () => {
    const p = plan({pattern: '*', policy: 'include', protect: ['stab*']})
    assert.deepEqual(actions(p), {
      '2021-03-02': 'delete',
      '2021-07-28': 'kept',
      '2022-01-15': 'delete',
      latest: 'delete',
      stable: 'kept',
    })
    assert.match(p.tags.find((t) => t.tag === 'stable')!.reason!, /protected by --protect stab\*/)
    assert.match(p.tags.find((t) => t.tag === '2021-07-28')!.reason!, /which retention or --protect keeps/)
  })

  it('keeps the N newest of the selection with --keep, counting them as siblings', () => {
    // The newest selected image is c (2022-01-15 and latest); keeping `latest` alone must keep c.
    const p = plan({pattern: '*', keep: 1, policy: 'include'})
    assert.equal(p.tags.find((t) => t.tag === 'latest')!.action, 'kept')
    assert.equal(p.tags.find((t) => t.tag === '2022-01-15')!.action, 'kept')
    assert.equal(p.digests.find((d) => d.digest === D('c'))!.action, 'blocked')
  })

  it('deletes only images older than --older-than; undated images are kept', () => {
    const tags = [...TAGS, {tag: '2021-undated', digest: D('d')}]
    const p = plan({tags, pattern: '2021-*', olderThanMs: parseDuration('180d'), policy: 'include'})
    // 2022-06-01 minus 180 days is 2021-12-03: both 2021 images are older; the undated one is kept.
    assert.deepEqual(actions(p), {
      '2021-03-02': 'delete',
      '2021-07-28': 'delete',
      '2021-undated': 'kept',
      stable: 'delete',
    })
    const recent = plan({olderThanMs: parseDuration('330d')}) // cutoff 2021-07-06
    assert.equal(recent.tags.find((t) => t.tag === '2021-07-28')!.action, 'kept')
    assert.match(recent.tags.find((t) => t.tag === '2021-07-28')!.reason!, /newer than --older-than 330d/)
  })

  it('selects 40-hex tags like any other: * means every tag', () => {
    const naked = '3f786850e387550fdab836ed7e6dc881de23001b'
    const p = plan({pattern: '*', tags: [...TAGS, {tag: naked, digest: D('e')}]})
    assert.equal(p.tags.find((t) => t.tag === naked)!.action, 'delete')
  })

  it('never deletes a platform manifest that a multi-arch image which stays still lists', () => {
    const tags = [
      {tag: 'multi', digest: D('e')},
      {tag: 'amd64-only', digest: D('f')},
      {tag: 'other', digest: D('a')},
    ]
    const input = {registry: 'r', name: 'team/app', tags, indexChildren: {[D('e')]: [D('f'), D('9')]}}
    const blocked = planDeletion({...input, pattern: 'amd64-only', policy: 'block'})
    assert.deepEqual(
      blocked.digests.map((d) => [d.digest, d.action]),
      [[D('f'), 'blocked']],
    )
    assert.match(blocked.tags[0]!.reason!, /^its image is a platform of the multi-arch image tagged multi, which stays/)
    assert.deepEqual(
      planDeletion({...input, pattern: 'amd64-only', policy: 'include'}).digests.map((d) => d.action),
      ['blocked'],
    )
    const untagged = planDeletion({...input, pattern: 'amd64-only', policy: 'keep'})
    assert.deepEqual(
      untagged.tags.map((t) => [t.tag, t.action]),
      [['amd64-only', 'untag']],
    )
    assert.equal(planInconsistency(untagged), undefined)
    // The multi-arch image goes too: its platforms may go with it.
    const both = planDeletion({...input, pattern: '[am]*', policy: 'block'})
    assert.deepEqual(
      both.digests.map((d) => [d.digest, d.action]),
      [
        [D('e'), 'delete'],
        [D('f'), 'delete'],
      ],
    )
  })

  it('makes plans whose tags and digests agree, whatever the input (2,000 seeded cases)', () => {
    const random = seededRandom(testSeed(4242))
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!
    for (let run = 0; run < 2000; run++) {
      const tags = Array.from({length: 1 + Math.floor(random() * 8)}, (_, k) => ({
        tag: `${pick(['2021', '2022', 'stable', 'ci'])}-${k}`,
        digest: D(pick(['a', 'b', 'c', 'd'])),
        created:
          random() < 0.8 ? `202${Math.floor(random() * 3)}-0${1 + Math.floor(random() * 9)}-01T00:00:00Z` : undefined,
      }))
      const input = {
        pattern: pick(['2021-*', '*', 'stable-*', '202?-*']),
        policy: pick(['block', 'include', 'keep'] as SiblingPolicy[]),
        tags,
        keep: random() < 0.3 ? Math.floor(random() * 3) : undefined,
        protect: random() < 0.3 ? ['stable-*'] : undefined,
        olderThanMs: random() < 0.3 ? parseDuration('365d') : undefined,
      }
      assert.equal(planInconsistency(plan(input)), undefined, JSON.stringify(input))
    }
  })

  it('finds a plan edited on one side: a tag kept while its image is still deleted', () => {
    const p = plan({policy: 'include'})
    assert.equal(planInconsistency(p), undefined)
    const edited = {
      ...p,
      tags: p.tags.map((entry) => (entry.tag === 'stable' ? {...entry, action: 'kept' as const} : entry)),
    }
    assert.match(
      planInconsistency(edited) ?? '',
      new RegExp(
        `^tag stable is planned "kept", but its image ${D('b')} \\(tags 2021-07-28, stable\\) is to be deleted`,
      ),
    )
    const unlisted = {...p, tags: p.tags.filter((entry) => entry.tag !== 'stable')}
    assert.match(planInconsistency(unlisted) ?? '', /^tag stable is not in the plan's tags/)
    const orphan = {...p, digests: p.digests.filter((entry) => entry.digest !== D('a'))}
    assert.match(
      planInconsistency(orphan) ?? '',
      /^tag 2021-03-02 is planned "delete", but its image \S+ is not in the plan's digests$/,
    )
  })

  it('parses durations and rejects nonsense', () => {
    assert.equal(parseDuration('90d'), 90 * 86_400_000)
    assert.equal(parseDuration('1w3d'), 10 * 86_400_000)
    assert.throws(() => parseDuration('90 days'), /invalid duration/)
    assert.throws(() => parseDuration('-1d'), /invalid duration/)
  })
})
