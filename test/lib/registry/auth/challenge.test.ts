import {strict as assert} from 'node:assert'

import {parseChallenges} from '../../../../src/lib/registry/auth/challenge.js'

describe('auth/challenge', () => {
  it('parses a Bearer challenge with several scopes and an error', () => {
    const [challenge] = parseChallenges(
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull repository:b:pull,push",error="insufficient_scope"',
    )
    assert.deepEqual(challenge, {
      scheme: 'bearer',
      params: {
        realm: 'https://auth.example/token',
        service: 'registry.example',
        scope: 'repository:a:pull repository:b:pull,push',
        error: 'insufficient_scope',
      },
    })
  })

  it('parses Basic with a realm containing commas, quotes and parentheses', () => {
    assert.deepEqual(parseChallenges('Basic realm="docker-registry (regular-push), \\"x\\""'), [
      {scheme: 'basic', params: {realm: 'docker-registry (regular-push), "x"'}},
    ])
  })

  it('parses several challenges in one header and across headers', () => {
    const challenges = parseChallenges(['Basic realm="a", Bearer realm="b",service=s', 'Negotiate'])
    assert.deepEqual(
      challenges.map((c) => c.scheme),
      ['basic', 'bearer', 'negotiate'],
    )
    assert.equal(challenges[1]!.params.service, 's')
  })

  it('returns nothing for a missing header', () => {
    assert.deepEqual(parseChallenges(undefined), [])
  })
})
