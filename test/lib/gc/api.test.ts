import {strict as assert} from 'node:assert'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

import {probeApiState} from '../../../src/lib/gc/api.js'
import {buildImage} from '../../../src/sandbox/images.js'
import {pushImage} from '../../../src/sandbox/push.js'
import {startRegistry} from '../../../src/sandbox/registry-process.js'
import {StoreWriter} from '../../../src/sandbox/store.js'
import {startNginx} from '../../helpers/nginx.js'
import {localSession} from '../../helpers/registry.js'

describe('gc/api probes @integration', () => {
  it('sees deletes enabled and a writable registry, counts emptied repositories, and leaves no repository behind', async () => {
    const registry = await startRegistry()
    try {
      const client = localSession().client({host: registry.host})
      const image = buildImage({created: '2021-01-01T00:00:00Z', layers: ['api probe']})
      await pushImage(client, 'probe/kept', ['v1'], image)
      await pushImage(
        client,
        'probe/emptied',
        ['v1'],
        buildImage({created: '2021-01-02T00:00:00Z', layers: ['emptied']}),
      )
      await client.deleteManifest('probe/emptied', (await client.resolve('probe/emptied', 'v1')).digest)
      const state = await probeApiState(client)
      assert.equal(state.apiVersion, 'registry/2.0')
      assert.deepEqual([state.deletes.verdict, state.writes.verdict], ['enabled', 'writable'])
      assert.deepEqual(state.catalog, {reachable: true, repositories: 2, unreadable: []})
      assert.deepEqual(state.emptyRepositories, ['probe/emptied'])
      // Nothing but what distribution keeps of a cancelled upload (its hash state): no new repository
      // in the catalog, no upload data in the store.
      assert.deepEqual(await client.repositories(), ['probe/emptied', 'probe/kept'])
      const probes = join(registry.rootDirectory, 'docker/registry/v2/repositories/registryctl-probe')
      for (const folder of await readdir(probes)) {
        assert.deepEqual(await readdir(join(probes, folder)), ['_uploads'])
        const uploads = join(probes, folder, '_uploads')
        for (const uuid of await readdir(uploads)) assert.deepEqual(await readdir(join(uploads, uuid)), ['hashstates'])
      }
    } finally {
      await registry.stop()
    }
  })

  it('sees deletes disabled', async () => {
    const registry = await startRegistry({deleteEnabled: false})
    try {
      const state = await probeApiState(localSession().client({host: registry.host}))
      assert.equal(state.deletes.verdict, 'disabled')
      assert.match(state.deletes.detail, /storage\.delete\.enabled is false/)
      assert.equal(state.writes.verdict, 'writable')
    } finally {
      await registry.stop()
    }
  })

  it('sees read-only mode, and skips the write probe when told', async () => {
    const registry = await startRegistry({readOnly: true})
    try {
      new StoreWriter(registry.rootDirectory).image('ro/app', ['v1'], buildImage({created: '2021-01-01T00:00:00Z'}))
      const client = localSession().client({host: registry.host})
      const state = await probeApiState(client)
      assert.deepEqual([state.deletes.verdict, state.writes.verdict], ['read-only', 'read-only'])
      assert.equal((await probeApiState(client, {writeProbe: false})).writes.verdict, 'skipped')
    } finally {
      await registry.stop()
    }
  })

  it('says the credentials cannot tell behind nginx without push credentials', async () => {
    const registry = await startRegistry()
    const nginx = await startNginx(registry.host)
    try {
      const state = await probeApiState(localSession({caFile: nginx.pki.caCert}).client({host: nginx.host}))
      assert.equal(state.deletes.verdict, 'unknown')
      assert.equal(state.writes.verdict, 'unknown')
      assert.match(state.writes.detail, /the credentials cannot tell: authentication required/)
      assert.equal(state.catalog.reachable, true)
    } finally {
      await nginx.stop()
      await registry.stop()
    }
  })

  it('sees a read-only front (nginx denying every write with 403 before authentication) as read-only', async () => {
    const registry = await startRegistry()
    const nginx = await startNginx(registry.host, {readOnly: true})
    try {
      const state = await probeApiState(localSession({caFile: nginx.pki.caCert}).client({host: nginx.host}))
      assert.deepEqual([state.deletes.verdict, state.writes.verdict], ['read-only', 'read-only'])
      assert.match(state.writes.detail, /403 before authentication/)
    } finally {
      await nginx.stop()
      await registry.stop()
    }
  })
})
