import {strict as assert} from 'node:assert'

import {
  type CleanupPlan,
  compileRules,
  limitViolations,
  planRepository,
  planTotals,
  type RepositoryTags,
} from '../../../src/lib/cleanup/plan.js'
import {parsePolicy, resolveRules} from '../../../src/lib/cleanup/policy.js'

const D = (c: string) => `sha256:${c.repeat(64)}`
const NOW = new Date('2024-06-01T00:00:00Z')
const day = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString()
const NAKED = (c: string) => c.repeat(40)

function rulesOf(yaml: string) {
  return compileRules(resolveRules(parsePolicy(yaml)))
}

const byTag = (plan: ReturnType<typeof planRepository>) =>
  Object.fromEntries(plan.tags.map((t) => [t.tag, `${t.action} ${t.rule ?? '-'}: ${t.reason ?? ''}`]))

// team/app: five releases, `stable` on the oldest one, `latest` on the newest.
const APP: RepositoryTags = {
  name: 'team/app',
  tags: [
    {tag: 'r1', digest: D('1'), created: day(50)},
    {tag: 'stable', digest: D('1'), created: day(50)},
    {tag: 'r2', digest: D('2'), created: day(40)},
    {tag: 'r3', digest: D('3'), created: day(30)},
    {tag: 'r4', digest: D('4'), created: day(20)},
    {tag: 'r5', digest: D('5'), created: day(10)},
    {tag: 'latest', digest: D('5'), created: day(10)},
  ],
}

const KEEP_TWO = `rules:
  - name: newest
    repositories: ["team/*"]
    tags: ["*"]
    exclude-tags: [latest, stable]
    keep: 2
`

describe('cleanup/plan', () => {
  it('keeps the N newest of what the rule selects; every tag carries its rule and reason', () => {
    const plan = planRepository('reg', rulesOf(KEEP_TWO), APP, NOW)
    assert.deepEqual(byTag(plan), {
      latest: 'kept -: selected by no rule',
      r1: 'kept newest: its image is also tagged stable, which this plan keeps (siblings: block)',
      r2: 'delete newest: not one of the 2 newest',
      r3: 'delete newest: not one of the 2 newest',
      r4: 'kept newest: one of the 2 newest (keep 2)',
      r5: 'kept newest: one of the 2 newest (keep 2)',
      stable: 'kept -: selected by no rule',
    })
    assert.equal(plan.blocked, true)
  })

  it('deletes 40-hex CI tags older than 30 days; newer and undated ones stay', () => {
    const repository: RepositoryTags = {
      name: 'ci/builds',
      tags: [
        {tag: NAKED('a'), digest: D('a'), created: day(45)},
        {tag: NAKED('b'), digest: D('b'), created: day(5)},
        {tag: NAKED('c'), digest: D('c')},
        {tag: 'v1', digest: D('d'), created: day(100)},
      ],
    }
    const rules = rulesOf(`rules:
  - name: ci-sha
    repositories: ["*"]
    tags: ["${'[0-9a-f]'.repeat(40)}"]
    older-than: 30d
`)
    assert.deepEqual(byTag(planRepository('reg', rules, repository, NOW)), {
      [NAKED('a')]: 'delete ci-sha: older than 30d',
      [NAKED('b')]: 'kept ci-sha: newer than 30d',
      [NAKED('c')]: 'kept ci-sha: created date unknown (older-than keeps it)',
      v1: 'kept -: selected by no rule',
    })
  })

  it('keeps a tag that any rule keeps or protects, whatever another rule says', () => {
    const rules = rulesOf(`rules:
  - name: everything
    repositories: ["*"]
    tags: ["*"]
    siblings: include
  - name: guard
    repositories: ["team/*"]
    tags: ["none"]
    protect: ["r3"]
  - name: recent
    repositories: ["team/app"]
    tags: ["r*"]
    older-than: 35d
`)
    const plan = planRepository('reg', rules, APP, NOW)
    assert.deepEqual(byTag(plan), {
      latest: 'kept everything: its image is also tagged r5, which a rule keeps',
      r1: 'delete everything: matches tags *',
      r2: 'delete everything: matches tags *',
      r3: 'kept guard: protected (protect r3)',
      r4: 'kept recent: newer than 35d',
      r5: 'kept recent: newer than 35d',
      stable: 'delete everything: matches tags *',
    })
    // r5 is kept, so `latest` on the same image cannot go: include never takes a kept tag along.
    assert.equal(plan.digests.find((d) => d.digest === D('5'))!.action, 'blocked')
  })

  it('takes unselected siblings along with siblings: include, naming the rule', () => {
    const rules = rulesOf(`rules:
  - name: old
    repositories: ["team/*"]
    tags: ["r1"]
    siblings: include
`)
    const plan = planRepository('reg', rules, APP, NOW)
    assert.equal(byTag(plan).stable, 'delete old: shares its image with r1 (siblings: include, rule old)')
    assert.equal(plan.tags.find((t) => t.tag === 'stable')!.selected, false)
  })

  it('uses the strictest sibling policy of the rules deleting an image', () => {
    const rules = rulesOf(`rules:
  - name: a
    repositories: ["team/*"]
    tags: ["r1"]
    siblings: include
  - name: b
    repositories: ["team/*"]
    tags: ["stable"]
    siblings: keep
`)
    // Both tags of image 1 are selected: no siblings, the image goes whatever the policies.
    assert.equal(planRepository('reg', rules, APP, NOW).digests.find((d) => d.digest === D('1'))!.action, 'delete')
    const two = rulesOf(`rules:
  - name: a
    repositories: ["team/*"]
    tags: ["r5"]
    siblings: include
  - name: b
    repositories: ["team/*"]
    tags: ["r5"]
    siblings: keep
`)
    assert.equal(planRepository('reg', two, APP, NOW).digests.find((d) => d.digest === D('5'))!.action, 'untag')
  })

  it('counts totals and checks the limits of the plan and of each rule', () => {
    const rules = resolveRules(
      parsePolicy(`rules:
  - name: newest
    repositories: ["team/*"]
    tags: ["*"]
    exclude-tags: [latest, stable]
    keep: 2
    max-delete: 1
`),
    )
    const repositories = [planRepository('reg', compileRules(rules), APP, NOW)]
    const plan: CleanupPlan = {
      kind: 'registryctl-cleanup-plan',
      version: 1,
      registry: 'reg',
      createdAt: NOW.toISOString(),
      rules,
      repositories,
    }
    assert.deepEqual(planTotals(plan), {
      repositories: 1,
      tags: 7,
      delete: 2,
      untag: 0,
      kept: 4,
      blocked: 1,
      images: 2,
      bytes: 0,
    })
    assert.deepEqual(limitViolations(plan), ['rule newest removes 2 tag(s), over its max-delete of 1'])
    assert.deepEqual(limitViolations(plan, 1), [
      'the plan removes 2 tag(s), over the limit of 1 (max-delete)',
      'rule newest removes 2 tag(s), over its max-delete of 1',
    ])
    rules[0]!.maxDelete = 2
    assert.deepEqual(limitViolations(plan, 2), [])
  })
})
