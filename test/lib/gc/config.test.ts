import {strict as assert} from 'node:assert'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {storeFromConfig} from '../../../src/lib/gc/config.js'

describe('gc/config', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'registryctl-regconfig-'))
  })
  after(() => rm(dir, {recursive: true, force: true}))
  const config = async (text: string) => {
    const path = join(dir, `config-${Math.random()}.yml`)
    await writeFile(path, text)
    return path
  }

  it('reads the filesystem rootdirectory and the delete/read-only settings', async () => {
    const path = await config('version: 0.1\nstorage:\n  delete:\n    enabled: true\n  filesystem:\n    rootdirectory: /srv/registry\n  maintenance:\n    readonly:\n      enabled: true\n')
    assert.deepEqual(await storeFromConfig(path, {}), {root: '/srv/registry', deleteEnabled: true, readOnly: true})
  })

  it("uses distribution's default root and its environment override", async () => {
    const path = await config('storage:\n  filesystem: {}\n')
    assert.equal((await storeFromConfig(path, {})).root, '/var/lib/registry')
    assert.equal((await storeFromConfig(path, {REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY: '/data'})).root, '/data')
  })

  it('names another storage driver and says only the filesystem one can be read', async () => {
    const path = await config('storage:\n  swift:\n    container: registry\n  delete: {enabled: true}\n')
    await assert.rejects(storeFromConfig(path, {}), (error: RegistryCtlError) => {
      return error.exitCode === ExitCode.USAGE && /uses the swift storage driver: only the filesystem driver can be read directly/.test(error.message)
    })
  })

  it('reports broken YAML, a missing file and a config without a driver', async () => {
    await assert.rejects(storeFromConfig(await config('storage: [unclosed'), {}), /is not valid YAML/)
    await assert.rejects(storeFromConfig(join(dir, 'absent.yml'), {}), /cannot read registry config/)
    await assert.rejects(storeFromConfig(await config('version: 0.1\n'), {}), /has no storage driver/)
  })
})
