import {strict as assert} from 'node:assert'

import {compileRules} from '../../../src/lib/cleanup/plan.js'
import {parsePolicy, PolicyError, readPolicy, resolveRules} from '../../../src/lib/cleanup/policy.js'
import {ExitCode} from '../../../src/lib/errors.js'

function problemsOf(text: string): Array<{line?: number; message: string}> {
  try {
    parsePolicy(text, 'p.yaml')
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error))
    assert.equal(error.exitCode, ExitCode.USAGE)
    return error.problems
  }

  assert.fail('the policy was accepted')
}

describe('cleanup/policy', () => {
  it('accepts the keys of the issue and resolves defaults', () => {
    const policy = parsePolicy(`registry: registry.example.org
max-delete: 100
rules:
  - name: ci-builds
    repositories: ["team/*"]
    exclude-repositories: ["team/keep-*"]
    tags: ["*"]
    exclude-tags: ["release-*"]
    protect: ["latest", "stable"]
    keep: 10
    older-than: 90d
    siblings: include
    max-delete: 20
  - name: naked
    repositories: ["*"]
    tags: ["[0-9a-f]*"]
`)
    assert.equal(policy.registry, 'registry.example.org')
    const [first, second] = resolveRules(policy)
    assert.deepEqual(first, {
      name: 'ci-builds',
      repositories: ['team/*'],
      excludeRepositories: ['team/keep-*'],
      tags: ['*'],
      excludeTags: ['release-*'],
      protect: ['latest', 'stable'],
      keep: 10,
      olderThan: '90d',
      olderThanMs: 90 * 86_400_000,
      siblings: 'include',
      maxDelete: 20,
    })
    assert.equal(second!.siblings, 'block')
    assert.equal(second!.keep, undefined)
    assert.deepEqual(second!.protect, [])
  })

  it('reports every schema error at once, each with its line', () => {
    const problems = problemsOf(`registry: localhost:5000
rules:
  - name: a
    repositories: ["team/*"]
    tags: ["*"]
    keep: -1
    older-than: 90 days
    sibling: block
  - name: b
    repositories: []
    tags: ["x"]
    siblings: maybe
`)
    assert.deepEqual(problems, [
      {line: 6, message: 'rules[0].keep must be >= 0'},
      {
        line: 7,
        message: 'rules[0].older-than must be a duration: a number and a unit (s, m, h, d, w), e.g. 90d or 1w3d',
      },
      {line: 8, message: 'unknown key "sibling" in rules[0]'},
      {line: 10, message: 'rules[1].repositories must NOT have fewer than 1 items'},
      {line: 12, message: 'rules[1].siblings must be one of block, keep, include'},
    ])
  })

  it('requires repositories and tags in every rule (nothing is selected by omission)', () => {
    assert.deepEqual(problemsOf('rules:\n  - name: x\n    repositories: ["*"]\n'), [
      {line: 2, message: 'rules[0] needs "tags"'},
    ])
    assert.deepEqual(problemsOf('registry: r\n'), [{line: 1, message: 'the policy needs "rules"'}])
  })

  it('refuses YAML syntax errors, duplicate keys and duplicate rule names with their lines', () => {
    assert.equal(problemsOf('rules:\n  - name: x\n   bad: [')[0]!.line, 3)
    assert.match(problemsOf('rules: []\nrules: []\n')[0]!.message, /unique/)
    assert.deepEqual(
      problemsOf(
        'rules:\n  - name: x\n    repositories: ["*"]\n    tags: ["*"]\n  - name: x\n    repositories: ["*"]\n    tags: ["*"]\n',
      ),
      [{line: 5, message: 'rule name "x" is used twice (rules[0] and rules[1])'}],
    )
  })

  it('checks the registry name', () => {
    assert.equal(
      problemsOf('registry: "not a host/"\nrules:\n  - name: x\n    repositories: ["*"]\n    tags: ["*"]\n')[0]!.line,
      1,
    )
  })

  it('says which file and line in the one-line message', () => {
    assert.throws(
      () =>
        parsePolicy('rules:\n  - name: x\n    repositories: ["*"]\n    tags: ["*"]\n    keep: ten\n', 'nightly.yaml'),
      /^PolicyError: nightly\.yaml:5: rules\[0\]\.keep must be integer$/,
    )
  })

  it('accepts the example policy of examples/, whose ci-sha rule selects exactly the 40-hex tags', async () => {
    const policy = await readPolicy(new URL('../../../examples/cleanup.yaml', import.meta.url).pathname)
    const [team, ci] = compileRules(resolveRules(policy))
    assert.equal(policy.registry, 'registry.example.org')
    assert.ok(team!.covers('team/app') && !team!.covers('base/debian'))
    assert.ok(ci!.selects('3f786850e387550fdab836ed7e6dc881de23001b'))
    assert.ok(
      !ci!.selects('3f786850e387550fdab836ed7e6dc881de23001') &&
        !ci!.selects('stable') &&
        !ci!.selects('3F786850E387550FDAB836ED7E6DC881DE23001B'),
    )
  })
})
