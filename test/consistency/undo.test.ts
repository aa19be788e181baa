/**
 * Every command that deletes records what it deletes, and `restore` puts it back: each 'delete' command
 * of the table, run for real (its typical argv with --yes instead of --dry-run) against the node's own
 * port, leaves a recovery record holding every image it removed (the exact bytes of each recorded
 * digest), and a restore of each repository it touched brings every deleted tag back on its digest.
 * A new deleting command that bypasses the record fails here.
 */
import {strict as assert} from 'node:assert'
import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'

import {readRecords, RecoveryRecord} from '../../src/lib/deletion/recovery.js'
import {sha256Digest} from '../../src/lib/registry/manifests.js'
import {runCli} from '../helpers/cli.js'
import {localSession} from '../helpers/registry.js'
import {useProduction} from '../helpers/production.js'
import {commandsOfKind, type Target} from './commands.js'

describe('every deleting command records what it deletes, and restore undoes it @integration', function () {
  this.timeout(120_000)
  const production = useProduction()

  for (const command of commandsOfKind('delete')) {
    it(`${command.id}: a record of every deleted image, restored byte for byte`, async () => {
      const p = production()
      const target: Target = {host: p.direct, dir: p.dir, connection: [], writes: 'open'}
      const client = localSession().client({host: p.direct})
      const argv = (await command.argv(target)).map((arg) => (arg === '--dry-run' ? '--yes' : arg))
      const state = join(p.dir, `state-${command.id.replaceAll(/\W/g, '_')}`)
      const env = {XDG_STATE_HOME: state}

      // Folders a real run expects to exist (cleanup's --lock-dir).
      await mkdir(join(p.dir, 'locks'), {recursive: true})
      const deleted = await runCli(argv, {env})
      assert.equal(deleted.code, 0, `${argv.join(' ')}: ${deleted.stderr}`)
      const images = readRecords(join(state, 'registryctl')).flatMap((run) => run.images)
      assert.ok(images.length > 0, `${command.id} deleted without a record: ${deleted.stdout}`)
      for (const image of images) {
        assert.equal(sha256Digest(Buffer.from(image.manifest, 'base64')), image.digest)
        for (const tag of image.tags) assert.equal(await client.exists(image.name, tag), undefined, tag)
      }

      for (const name of new Set(images.map((image) => image.name))) {
        const restored = await runCli(['restore', `${p.direct}/${name}`], {env})
        assert.equal(restored.code, 0, `restore ${name}: ${restored.stdout}${restored.stderr}`)
      }

      for (const image of images)
        for (const tag of image.tags) assert.equal(await client.exists(image.name, tag), image.digest, tag)
    })
  }

  for (const command of commandsOfKind('restore')) {
    it(`${command.id}: refused before writing anything where it may not push (read-only front, no credentials)`, async () => {
      const p = production()
      const client = localSession().client({host: p.direct})
      const stable = await client.manifest('team/app', 'stable')
      for (const [label, host] of [
        ['the read-only front', p.readOnlyFront],
        ['the TLS front without credentials', p.front],
      ] as const) {
        const target: Target = {host, dir: p.dir, connection: ['--ca-file', p.caFile], writes: 'read-only'}
        const argv = (await command.argv(target)).filter((arg) => arg !== '--dry-run')
        // A recorded deletion for that host, as if it had been deleted through it.
        const record = RecoveryRecord.open(argv[argv.indexOf('--record-dir') + 1]!)
        record.image({
          registry: host,
          name: 'team/app',
          digest: stable.descriptor.digest,
          mediaType: stable.manifest.mediaType,
          manifest: stable.raw.toString('base64'),
          tags: ['undo-probe'],
          children: [],
        })
        record.close()
        const result = await runCli(argv)
        assert.notEqual(result.code, 0, `${label}: ${result.stdout}`)
        assert.match(
          result.stderr,
          /^registryctl: .*(read-only|denied|401|authentication|rejected)/m,
          `${label}: ${result.stderr}`,
        )
        assert.equal(result.stdout, '')
        assert.equal(await client.exists('team/app', 'undo-probe'), undefined)
      }
    })
  }
})
