import {strict as assert} from 'node:assert'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {storeFromConfig} from '../../../src/lib/stores/config.js'
import {useTempDir} from '../../helpers/tmp.js'

describe('gc/config', () => {
  const dir = useTempDir('regconfig')
  let count = 0
  const config = async (text: string) => {
    const path = join(dir(), `config-${count++}.yml`)
    await writeFile(path, text)
    return path
  }

  it('reads the filesystem rootdirectory and the delete/read-only settings', async () => {
    const path = await config(
      'version: 0.1\nstorage:\n  delete:\n    enabled: true\n  filesystem:\n    rootdirectory: /srv/registry\n  maintenance:\n    readonly:\n      enabled: true\n',
    )
    assert.deepEqual(await storeFromConfig(path, {}), {
      driver: 'filesystem',
      root: '/srv/registry',
      deleteEnabled: true,
      readOnly: true,
    })
  })

  it("uses distribution's default root and its environment override", async () => {
    const path = await config('storage:\n  filesystem: {}\n')
    assert.deepEqual(await storeFromConfig(path, {}), {
      driver: 'filesystem',
      root: '/var/lib/registry',
      deleteEnabled: false,
      readOnly: false,
    })
    const overridden = await storeFromConfig(path, {
      REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/data',
      REGISTRY_STORAGE_DELETE_ENABLED: 'true',
    })
    assert.deepEqual(overridden, {driver: 'filesystem', root: '/data', deleteEnabled: true, readOnly: false})
  })

  it('reads the swift section, the environment overriding the file (password, prefix, authversion as YAML)', async () => {
    const path = await config(
      'storage:\n  swift:\n    authurl: https://keystone.example/v3\n    username: registry\n    password: from-file\n    container: docker\n    domain: Default\n    tenant: registry\n    region: eqiad\n  delete: {enabled: true}\n',
    )
    const store = await storeFromConfig(path, {
      REGISTRY_STORAGE_SWIFT_PASSWORD: 's3cr3t',
      REGISTRY_STORAGE_SWIFT_PREFIX: '/prod',
      REGISTRY_STORAGE_SWIFT_AUTHVERSION: '3',
    })
    assert.equal(store.driver, 'swift')
    assert.ok(store.driver === 'swift')
    assert.deepEqual(Object.fromEntries(Object.entries(store.swift).filter(([, value]) => value !== undefined)), {
      authurl: 'https://keystone.example/v3',
      username: 'registry',
      password: 's3cr3t',
      container: 'docker',
      authversion: 3,
      prefix: '/prod',
      domain: 'Default',
      tenant: 'registry',
      region: 'eqiad',
    })
    assert.equal(store.deleteEnabled, true)
  })

  it('reads the s3 section with rootdirectory, secure and the secret from the environment', async () => {
    const path = await config(
      'storage:\n  s3:\n    accesskey: AKIA\n    region: us-east-1\n    regionendpoint: http://127.0.0.1:9000\n    bucket: images\n    secure: false\n    rootdirectory: /registry\n',
    )
    const store = await storeFromConfig(path, {REGISTRY_STORAGE_S3_SECRETKEY: 'from-env'})
    assert.ok(store.driver === 's3')
    assert.deepEqual(Object.fromEntries(Object.entries(store.s3).filter(([, value]) => value !== undefined)), {
      accesskey: 'AKIA',
      secretkey: 'from-env',
      region: 'us-east-1',
      regionendpoint: 'http://127.0.0.1:9000',
      bucket: 'images',
      secure: false,
      rootdirectory: '/registry',
    })
  })

  it('REGISTRY_STORAGE replaces the driver and drops the file parameters, as distribution does', async () => {
    const path = await config('storage:\n  filesystem:\n    rootdirectory: /srv\n')
    const store = await storeFromConfig(path, {
      REGISTRY_STORAGE: 's3',
      REGISTRY_STORAGE_S3_REGION: 'eu-west-1',
      REGISTRY_STORAGE_S3_BUCKET: 'b',
    })
    assert.ok(store.driver === 's3')
    assert.equal(store.s3.bucket, 'b')
    assert.equal(store.s3.region, 'eu-west-1')
  })

  it('names the key a driver misses, with its environment variable', async () => {
    await assert.rejects(
      storeFromConfig(await config('storage:\n  swift:\n    authurl: http://x/auth/v1.0\n'), {}),
      /the swift driver needs container \(or REGISTRY_STORAGE_SWIFT_CONTAINER\)/,
    )
    await assert.rejects(
      storeFromConfig(await config('storage:\n  s3:\n    region: r\n'), {}),
      /the s3 driver needs bucket/,
    )
  })

  for (const driver of ['gcs', 'azure', 'inmemory', 'oss']) {
    it(`names the ${driver} driver in one line, exit 2`, async () => {
      const path = await config(`storage:\n  ${driver}:\n    bucket: images\n  delete: {enabled: true}\n`)
      await assert.rejects(storeFromConfig(path, {}), (error: RegistryCtlError) => {
        return (
          error.exitCode === ExitCode.USAGE &&
          new RegExp(
            `uses the ${driver} storage driver: gc status reads the filesystem, swift and s3 drivers only`,
          ).test(error.message)
        )
      })
    })
  }

  it('reports broken YAML, a non-mapping, a missing file and a config without a driver', async () => {
    await assert.rejects(storeFromConfig(await config('storage: [unclosed'), {}), /is not valid YAML/)
    await assert.rejects(storeFromConfig(await config('- a\n- b\n'), {}), /is not a YAML mapping/)
    await assert.rejects(storeFromConfig(join(dir(), 'absent.yml'), {}), /cannot read registry config/)
    await assert.rejects(storeFromConfig(await config('version: 0.1\n'), {}), /has no storage driver/)
  })
})
