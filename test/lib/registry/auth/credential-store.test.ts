import {strict as assert} from 'node:assert'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {lookupDockerCredentials} from '../../../../src/lib/registry/auth/docker-config.js'
import {
  eraseCredentials,
  type HelperCommand,
  storeCredentials,
} from '../../../../src/lib/registry/auth/credential-store.js'
import {useTempDir} from '../../../helpers/tmp.js'

describe('credential store (docker login/logout format)', () => {
  const dir = useTempDir('credstore')

  it('writes an auths entry docker and registryctl read back, keeps other keys, mode 0600; erase removes it', async () => {
    const path = join(dir(), 'a', 'config.json')
    await storeCredentials(path, 'r.example:5000', {username: 'ci', password: 'p@ss:word'})
    writeFileSync(
      path,
      JSON.stringify({
        ...JSON.parse(readFileSync(path, 'utf8')),
        psFormat: 'table',
        auths: {...JSON.parse(readFileSync(path, 'utf8')).auths, 'https://r.example:5000/v1/': {auth: 'b2xkOm9sZA=='}},
      }),
    )
    await storeCredentials(path, 'r.example:5000', {username: 'ci', password: 'p@ss:word'})
    const written = JSON.parse(readFileSync(path, 'utf8')) as {auths: Record<string, {auth: string}>; psFormat: string}
    assert.deepEqual(Object.keys(written.auths), ['r.example:5000'])
    assert.equal(Buffer.from(written.auths['r.example:5000']!.auth, 'base64').toString(), 'ci:p@ss:word')
    assert.equal(written.psFormat, 'table')
    assert.equal(statSync(path).mode & 0o777, 0o600)
    const lookup = await lookupDockerCredentials('r.example:5000', {configPath: path})
    assert.deepEqual([lookup.credentials?.username, lookup.credentials?.password], ['ci', 'p@ss:word'])
    assert.deepEqual(await eraseCredentials(path, 'r.example:5000'), {removed: true, where: path})
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), {auths: {}, psFormat: 'table'})
    assert.equal((await eraseCredentials(path, 'r.example:5000')).removed, false)
  })

  it("goes through the helper config.json names (store/erase protocol), leaving docker's empty entry", async () => {
    const path = join(dir(), 'helper.json')
    writeFileSync(path, JSON.stringify({credHelpers: {'r.example': 'vault'}, auths: {}}))
    const calls: Array<[string, string, string]> = []
    const run: HelperCommand = async (helper, action, input) => {
      calls.push([helper, action, input])
      return action === 'erase'
        ? {stdout: 'credentials not found in native keychain\n', exitCode: 1}
        : {stdout: '', exitCode: 0}
    }

    const stored = await storeCredentials(path, 'r.example', {username: 'ci', password: 'secret'}, run)
    assert.match(stored.where, /docker-credential-vault/)
    assert.deepEqual(calls[0], [
      'vault',
      'store',
      JSON.stringify({ServerURL: 'r.example', Username: 'ci', Secret: 'secret'}),
    ])
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')).auths, {'r.example': {}})
    assert.ok(!readFileSync(path, 'utf8').includes('secret'))
    assert.equal((await eraseCredentials(path, 'r.example', run)).removed, true)
    assert.deepEqual(calls[1], ['vault', 'erase', 'r.example'])
    const failing: HelperCommand = async () => ({stdout: 'keychain locked\n', exitCode: 1})
    await assert.rejects(
      storeCredentials(path, 'r.example', {username: 'ci', password: 'x'}, failing),
      /docker-credential-vault store failed: keychain locked/,
    )
  })
})
