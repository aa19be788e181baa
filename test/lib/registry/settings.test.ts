import {strict as assert} from 'node:assert'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {UsageError} from '../../../src/lib/errors.js'
import {
  BUILT_IN,
  dockerCertsFiles,
  environmentLayer,
  loadSettingsLayers,
  readSettingsFile,
  resolveSettings,
} from '../../../src/lib/registry/settings.js'
import {useTempDir} from '../../helpers/tmp.js'

describe('settings', () => {
  const dir = useTempDir('settings')
  const file = (name: string, text: string) => {
    writeFileSync(join(dir(), name), text)
    return join(dir(), name)
  }

  it('merges built-in < system < user < environment < flags; a registries entry overrides its own file only', () => {
    const system = file(
      'system.yaml',
      'timeout: 50\nconcurrency: 2\nregistries:\n  r.example:\n    retries: 9\n    ca-file: /system/ca.pem\n',
    )
    const user = file(
      'user.yaml',
      'default-registry: https://r.example/\naliases: {pub: r.example}\ntimeout: 40\nretries: 1\n',
    )
    const env = {
      REGISTRYCTL_SYSTEM_CONFIG: system,
      REGISTRYCTL_CONFIG: user,
      REGISTRYCTL_CONCURRENCY: '5',
      REGISTRYCTL_CERTS_D: join(dir(), 'none'),
    }
    const {layers, files} = loadSettingsLayers(env)
    assert.deepEqual(files, [
      {path: system, found: true},
      {path: user, found: true},
    ])
    const flags = {source: 'flags', settings: {timeout: 7}}
    const forHost = resolveSettings([...layers, flags], {registry: 'r.example', env})
    assert.deepEqual(
      {
        timeout: forHost.timeout,
        retries: forHost.retries,
        concurrency: forHost.concurrency,
        caFile: forHost.caFile,
        defaultRegistry: forHost.defaultRegistry,
        aliases: forHost.aliases,
      },
      {
        timeout: 7,
        retries: 1,
        concurrency: 5,
        caFile: '/system/ca.pem',
        defaultRegistry: 'r.example',
        aliases: {pub: 'r.example'},
      },
    )
    assert.equal(forHost.origins.retries, user)
    assert.equal(forHost.origins.caFile, `${system} (registries.r.example)`)
    const other = resolveSettings(layers, {registry: 'other.example', env})
    assert.deepEqual([other.timeout, other.retries, other.caFile, other.credentials], [40, 1, undefined, 'docker'])
    assert.deepEqual(resolveSettings([BUILT_IN], {env: {}}).timeout, 30)
  })

  it('refuses unknown keys, wrong types and YAML errors with file and line', () => {
    const check = (text: string, pattern: RegExp) =>
      assert.throws(
        () => readSettingsFile(file('bad.yaml', text)),
        (error: Error) => error instanceof UsageError && pattern.test(error.message),
      )
    check('timeout: 3\ntimeot: 3\n', /bad\.yaml:2: unknown setting "timeot"/)
    check('registries:\n  r.example:\n    concurrency: 500\n', /bad\.yaml:3: concurrency must be an integer ≥ 1 ≤ 128/)
    check('timeout: [1\n', /bad\.yaml:\d+: /)
    check('- a\n', /expected a mapping/)
    assert.throws(
      () => environmentLayer({REGISTRYCTL_TIMEOUT: 'soon'}),
      /REGISTRYCTL_TIMEOUT: timeout must be an integer/,
    )
    assert.equal(readSettingsFile(join(dir(), 'absent.yaml')), undefined)
  })

  it("reads docker's certs.d for HOST[:PORT], and SSL_CERT_FILE", () => {
    const certs = join(dir(), 'certs.d')
    mkdirSync(join(certs, 'r.example:5000'), {recursive: true})
    writeFileSync(join(certs, 'r.example:5000', 'ca.crt'), 'x')
    writeFileSync(join(certs, 'r.example:5000', 'client.key'), 'x')
    const env = {REGISTRYCTL_CERTS_D: certs, SSL_CERT_FILE: join(certs, 'r.example:5000', 'ca.crt')}
    assert.deepEqual(dockerCertsFiles('r.example:5000', env), [join(certs, 'r.example:5000', 'ca.crt')])
    assert.deepEqual(dockerCertsFiles('r.example', env), [])
    assert.deepEqual(resolveSettings([BUILT_IN], {registry: 'r.example', env}).extraCaFiles, [env.SSL_CERT_FILE])
  })
})

describe('extra CA bundles', () => {
  it("adds only the certificates Node's roots lack (a system bundle in $SSL_CERT_FILE costs little)", async () => {
    const {rootCertificates} = await import('node:tls')
    const {extraCertificates} = await import('../../../src/lib/registry/transport.js')
    const own = '-----BEGIN CERTIFICATE-----\nMIIBfake0wn\n-----END CERTIFICATE-----'
    assert.deepEqual(extraCertificates([rootCertificates[0], own, rootCertificates[1]].join('\n')), [own])
  })
})
