import {strict as assert} from 'node:assert'
import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {
  credentialsFromHelper,
  lookupDockerCredentials,
  normaliseAuthKey,
} from '../../../../src/lib/registry/auth/docker-config.js'
import {ExitCode, type RegistryCtlError} from '../../../../src/lib/errors.js'

describe('auth/docker-config', () => {
  let dir: string
  let configPath: string
  const originalPath = process.env.PATH
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registryctl-dockercfg-'))
    configPath = join(dir, 'config.json')
  })
  afterEach(async () => {
    process.env.PATH = originalPath
    await rm(dir, {recursive: true, force: true})
  })

  const write = (config: unknown) => writeFile(configPath, JSON.stringify(config))

  it('normalises auths keys written with a scheme and path', () => {
    assert.equal(normaliseAuthKey('https://registry.example.org:5000/v1/'), 'registry.example.org:5000')
    assert.equal(normaliseAuthKey('registry.example.org'), 'registry.example.org')
  })

  it('reads auths: exact key first, then a normalised one', async () => {
    const auth = (user: string) => Buffer.from(`${user}:pw:with:colons`).toString('base64')
    await write({auths: {'https://r.example/v1/': {auth: auth('normalised')}, 'other.example': {auth: auth('other')}}})
    const found = await lookupDockerCredentials('r.example', {configPath})
    assert.deepEqual(found.credentials && [found.credentials.username, found.credentials.password], [
      'normalised',
      'pw:with:colons',
    ])
    await write({auths: {'https://r.example/v1/': {auth: auth('normalised')}, 'r.example': {auth: auth('exact')}}})
    assert.equal((await lookupDockerCredentials('r.example', {configPath})).credentials?.username, 'exact')
  })

  it('reads identity tokens', async () => {
    await write({auths: {'r.example': {identitytoken: 'REFRESH'}}})
    assert.equal((await lookupDockerCredentials('r.example', {configPath})).credentials?.identityToken, 'REFRESH')
  })

  it('prefers credHelpers[host] over credsStore over auths', async () => {
    const calls: string[] = []
    const runHelper = async (helper: string) => {
      calls.push(helper)
      return {stdout: JSON.stringify({ServerURL: 'r.example', Username: helper, Secret: 'x'}), exitCode: 0}
    }

    await write({
      credHelpers: {'r.example': 'pass'},
      credsStore: 'secretservice',
      auths: {'r.example': {auth: Buffer.from('a:b').toString('base64')}},
    })
    assert.equal((await lookupDockerCredentials('r.example', {configPath, runHelper})).credentials?.username, 'pass')
    assert.equal(
      (await lookupDockerCredentials('other.example', {configPath, runHelper})).credentials?.username,
      'secretservice',
    )
    assert.deepEqual(calls, ['pass', 'secretservice'])
  })

  it('falls back to auths when the helper has no credentials, and lists what it tried', async () => {
    const runHelper = async () => ({stdout: 'credentials not found in native keychain\n', exitCode: 1})
    await write({credsStore: 'desktop', auths: {}})
    const found = await lookupDockerCredentials('r.example', {configPath, runHelper})
    assert.equal(found.credentials, undefined)
    assert.deepEqual(found.tried, ['docker-credential-desktop', `${configPath} auths`])
  })

  it('runs a real credential helper through the helper protocol', async () => {
    const helper = join(dir, 'docker-credential-fake')
    // Echo back the server URL it was given on stdin, to prove the protocol is followed.
    await writeFile(
      helper,
      '#!/bin/sh\nread url\nprintf \'{"ServerURL":"%s","Username":"<token>","Secret":"ID-%s"}\' "$url" "$url"\n',
    )
    await chmod(helper, 0o755)
    process.env.PATH = `${dir}:${originalPath}`
    const credentials = await credentialsFromHelper('fake', 'r.example:5000')
    assert.deepEqual(credentials, {
      identityToken: 'ID-r.example:5000',
      source: 'credential helper docker-credential-fake',
    })
  })

  it('reports a helper that fails or is missing as bad setup, with its message', async () => {
    const helper = join(dir, 'docker-credential-broken')
    await writeFile(helper, '#!/bin/sh\necho "keychain locked"\nexit 1\n')
    await chmod(helper, 0o755)
    process.env.PATH = `${dir}:${originalPath}`
    await assert.rejects(
      credentialsFromHelper('broken', 'r.example'),
      (error: RegistryCtlError) => error.exitCode === ExitCode.USAGE && /keychain locked/.test(error.message),
    )
    await assert.rejects(
      credentialsFromHelper('absent-helper', 'r.example'),
      /docker-credential-absent-helper could not be run/,
    )
    // One that hangs is killed by the runner's timeout, and said so.
    const killed = () =>
      Promise.reject(
        Object.assign(new Error('Command failed: docker-credential-slow get'), {killed: true, signal: 'SIGTERM'}),
      )
    await assert.rejects(
      credentialsFromHelper('slow', 'r.example', killed),
      /^UsageError: credential helper docker-credential-slow did not answer within 30 s for r\.example$/,
    )
  })

  it('reports a config that is not JSON', async () => {
    await writeFile(configPath, '{')
    await assert.rejects(lookupDockerCredentials('r.example', {configPath}), /is not valid JSON/)
  })
})
