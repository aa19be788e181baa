import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {UsageError} from '../../../../src/lib/errors.js'
import {Authenticator} from '../../../../src/lib/registry/auth/authenticator.js'
import {type Account, chooseAccount, repositoryOfScopes} from '../../../../src/lib/registry/auth/accounts.js'
import {eraseAccount, storeAccount} from '../../../../src/lib/registry/auth/credential-store.js'
import {readSettingsFile, resolveSettings, BUILT_IN} from '../../../../src/lib/registry/settings.js'
import {Transport} from '../../../../src/lib/registry/transport.js'
import {useTempDir} from '../../../helpers/tmp.js'

const account = (fields: Partial<Account>): Account => ({
  secret: {kind: 'env', variable: 'X'},
  declaredIn: 'test',
  ...fields,
})

describe('accounts: which account serves a request', () => {
  const dir = useTempDir('accounts')

  it('takes the longest repository prefix (by path segment), else the realm, else none', () => {
    const team = account({repository: 'team', username: 'team'})
    const teamApp = account({repository: 'team/app', username: 'team-app'})
    const realm = account({realm: 'restricted-read', username: 'reader'})
    const accounts = [team, teamApp, realm]
    assert.equal(chooseAccount(accounts, {repository: 'team/app/sub'}), teamApp)
    assert.equal(chooseAccount(accounts, {repository: 'team/application'}), team)
    assert.equal(chooseAccount(accounts, {repository: 'teamwork', realm: 'restricted-read'}), realm)
    assert.equal(chooseAccount(accounts, {repository: 'teamwork', realm: 'other'}), undefined)
    assert.equal(chooseAccount(accounts, {}), undefined)
    assert.equal(repositoryOfScopes(['registry:catalog:*', 'repository:team/app:pull,push']), 'team/app')
    assert.equal(repositoryOfScopes([]), undefined)
  })

  it('reads accounts from a registries entry, naming file and line for a mistake', () => {
    const path = join(dir(), 'accounts.yaml')
    writeFileSync(
      path,
      [
        'registries:',
        '  r.example:',
        '    accounts:',
        '      - repository: /restricted/',
        '        username: reader',
        '        password-file: /etc/secret',
        '      - realm: docker-registry (regular-push)',
        '        helper: pass',
        '',
      ].join('\n'),
    )
    const settings = resolveSettings([BUILT_IN, readSettingsFile(path)!], {registry: 'r.example'})
    assert.deepEqual(
      settings.accounts.map(({repository, realm, username, secret}) => ({repository, realm, username, secret})),
      [
        {repository: 'restricted', realm: undefined, username: 'reader', secret: {kind: 'file', path: '/etc/secret'}},
        {
          repository: undefined,
          realm: 'docker-registry (regular-push)',
          username: undefined,
          secret: {kind: 'helper', helper: 'pass', serverUrl: undefined},
        },
      ],
    )
    assert.deepEqual(resolveSettings([BUILT_IN, readSettingsFile(path)!], {registry: 'other.example'}).accounts, [])

    writeFileSync(path, 'registries:\n  r.example:\n    accounts:\n      - repository: a\n        username: u\n')
    assert.throws(
      () => readSettingsFile(path),
      (error: Error) => {
        assert.ok(error instanceof UsageError)
        assert.match(error.message, /accounts\.yaml:4: an account names one secret source/)
        return true
      },
    )
  })

  it('chooses per request: the stored prefix account for restricted/, docker config for the rest', async () => {
    const stored = join(dir(), 'credentials.json')
    const docker = join(dir(), 'config.json')
    writeFileSync(docker, JSON.stringify({auths: {'r.example': {auth: Buffer.from('push:p1').toString('base64')}}}))
    await storeAccount(stored, 'r.example', 'restricted/', {username: 'reader', password: 'r1'})
    await storeAccount(stored, 'other.example', 'restricted', {username: 'elsewhere', password: 'x'})
    const auth = new Authenticator(new Transport({}), {configPath: docker, storedAccountsPath: stored})
    const user = async (scopes: string[], realm?: string) =>
      (await auth.selectCredentials('r.example', {scopes, realm})).lookup.credentials?.username
    assert.equal(await user(['repository:restricted/app:pull']), 'reader')
    assert.equal(await user(['repository:team/app:pull,delete']), 'push')
    assert.equal(await user([]), 'push')
    // The other host's account never serves this one.
    const otherAuth = new Authenticator(new Transport({}), {configPath: docker, storedAccountsPath: stored})
    assert.equal(
      (await otherAuth.selectCredentials('r.example', {scopes: ['repository:restricted/x:pull']})).lookup.credentials
        ?.password,
      'r1',
    )

    assert.deepEqual(await eraseAccount(stored, 'r.example', 'restricted'), {
      removed: true,
      where: stored,
      prefix: 'restricted',
    })
    assert.equal((await eraseAccount(stored, 'r.example', 'restricted')).removed, false)
  })
})
