import {strict as assert} from 'node:assert'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {RegistryClient} from '../../src/lib/registry/client.js'
import {executePlan} from '../../src/lib/deletion/execute.js'
import {gatherTagPlan} from '../../src/lib/deletion/gather.js'
import {ExitCode} from '../../src/lib/errors.js'
import {MediaType} from '../../src/lib/registry/manifests.js'
import {buildImage, type ImageFormat} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {startRegistry} from '../../src/sandbox/registry-process.js'
import {StoreWriter} from '../../src/sandbox/store.js'
import {runCli, runCliInTerminal} from '../helpers/cli.js'
import {startNginx, USERS} from '../helpers/nginx.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'
import {assertOneLineError} from './list-images.test.js'

let repositoryCounter = 0

/** The plan comes first on stderr; the error is its last line, and the only `registryctl:` one. */
export function assertErrorAfterPlan(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n')
  assert.deepEqual(
    lines.filter((line) => line.startsWith('registryctl: ')),
    [lines.at(-1)],
    stderr,
  )
  assert.match(lines.at(-1)!, pattern)
}

/**
 * A fresh repository shaped like docker-registryctl's trap: two dated releases, `stable` on the older
 * one, `latest` on the newer one. Returns the name and the digests.
 */
async function seedApp(
  client: RegistryClient,
  format: ImageFormat = 'docker',
): Promise<{name: string; older: string; newer: string}> {
  const name = `app/r${++repositoryCounter}-${Date.now()}`
  const older = buildImage({created: '2021-07-28T17:53:22Z', format, layers: [`${name} older`]})
  const newer = buildImage({created: '2022-01-15T09:00:00Z', format, layers: [`${name} newer`]})
  await pushImage(client, name, ['2021-07-28-175322-production', 'stable'], older)
  await pushImage(client, name, ['2022-01-15-090000-production', 'latest'], newer)
  return {name, older: older.digest, newer: newer.digest}
}

describe('delete-tags @integration', () => {
  const registry = useRegistry()
  const client = () => localSession().client({host: registry().host})
  const tagsOf = async (name: string) => (await client().tags(name)).sort()

  describe('sibling policies', () => {
    it('blocks by default: the image that `stable` still uses stays, exit 12', async () => {
      const {name, older} = await seedApp(client())
      const {code, stdout, stderr} = await runCli(['delete-tags', `${registry().host}/${name}:20*`, '--yes'])
      assert.equal(code, ExitCode.BLOCKED)
      assert.match(stderr, /KEEP \(its image is also tagged stable, not selected/)
      assert.match(stdout, new RegExp(`${registry().host}/${name}:2021-07-28-175322-production {2,}\\[KEPT\\]`))
      assert.match(stdout, /:2022-01-15-090000-production +\[KEPT\]/) // `latest` blocks the newer image too
      assert.deepEqual(await tagsOf(name), [
        '2021-07-28-175322-production',
        '2022-01-15-090000-production',
        'latest',
        'stable',
      ])
      assert.equal(await client().exists(name, 'stable'), older)
    })

    it('deletes the siblings too with --include-siblings, naming them first', async () => {
      const {name} = await seedApp(client())
      const {code, stdout, stderr} = await runCli([
        'delete-tags',
        `${registry().host}/${name}:2021-*`,
        '--yes',
        '--include-siblings',
      ])
      assert.equal(code, ExitCode.OK)
      assert.match(stderr, /Not selected but deleted with their image: stable\./)
      const line = `${registry().host}/${name}:stable`
      assert.ok(stdout.includes(`${line.padEnd(74)}[DONE]`), stdout)
      assert.deepEqual(await tagsOf(name), ['2022-01-15-090000-production', 'latest'])
    })

    for (const format of ['docker', 'oci'] as const) {
      it(`removes only the tag name with --keep-siblings on distribution 2.8 (${format}), and the siblings still resolve`, async () => {
        const {name, older} = await seedApp(client(), format)
        const {code, stderr} = await runCli([
          'delete-tags',
          `${registry().host}/${name}:2021-*`,
          '--yes',
          '--keep-siblings',
        ])
        assert.equal(code, ExitCode.OK, stderr)
        assert.match(stderr, /UNTAG \(image kept for stable\)/)
        assert.deepEqual(await tagsOf(name), ['2022-01-15-090000-production', 'latest', 'stable'])
        assert.equal(await client().exists(name, 'stable'), older)
        const manifest = await client().manifest(name, 'stable')
        assert.equal(manifest.manifest.mediaType, format === 'oci' ? MediaType.OCI_MANIFEST : MediaType.DOCKER_MANIFEST)
      })
    }
  })

  describe('what the plan asks for', () => {
    const planDir = useTempDir('listing-plans')
    const datesOf = (stdout: string) =>
      (JSON.parse(stdout) as {plan: {tags: Array<{tag: string; created?: string}>}}).plan.tags.map((t) => t.created)
    const configRequests = (stderr: string) =>
      stderr.split('\n').filter((line) => /^debug: GET .*\/blobs\/sha256:/.test(line)).length

    it('reads created dates for a plan someone reviews (--dry-run), each image once', async () => {
      const {name} = await seedApp(client())
      const {code, stdout, stderr} = await runCli([
        'delete-tags',
        `${registry().host}/${name}:*`,
        '--dry-run',
        '--json',
        '--debug',
      ])
      assert.equal(code, ExitCode.OK)
      assert.deepEqual(datesOf(stdout).sort(), [
        '2021-07-28T17:53:22Z',
        '2021-07-28T17:53:22Z',
        '2022-01-15T09:00:00Z',
        '2022-01-15T09:00:00Z',
      ])
      assert.equal(configRequests(stderr), 2)
    })

    it('lists the repository once for a run planned and applied at once (--yes), and again before applying a plan file', async () => {
      const {name} = await seedApp(client())
      const requests = (stderr: string, pattern: RegExp) =>
        stderr.split('\n').filter((line) => pattern.test(line)).length
      const tagLists = /^debug: GET .*\/tags\/list/
      // `latest` is neither selected nor deleted: only a listing resolves it.
      const latestHeads = /^debug: HEAD .*\/manifests\/latest /
      const unattended = await runCli([
        'delete-tags',
        `${registry().host}/${name}:2021-*`,
        '--yes',
        '--include-siblings',
        '--debug',
      ])
      assert.equal(unattended.code, ExitCode.OK, unattended.stderr)
      assert.deepEqual(
        [requests(unattended.stderr, tagLists), requests(unattended.stderr, latestHeads)],
        [1, 1],
        unattended.stderr,
      )
      // Dates read after the listing (a retention rule) take time: the listing is taken again.
      const dated = await seedApp(client())
      const retention = await runCli([
        'delete-tags',
        `${registry().host}/${dated.name}:2021-*`,
        '--yes',
        '--include-siblings',
        '--older-than',
        '1d',
        '--debug',
      ])
      assert.equal(retention.code, ExitCode.OK, retention.stderr)
      assert.deepEqual(
        [requests(retention.stderr, tagLists), requests(retention.stderr, latestHeads)],
        [2, 2],
        retention.stderr,
      )
      const file = join(planDir(), 'listing.json')
      const again = await seedApp(client())
      assert.equal(
        (
          await runCli([
            'delete-tags',
            `${registry().host}/${again.name}:2021-*`,
            '--include-siblings',
            '--dry-run',
            '--plan-out',
            file,
          ])
        ).code,
        ExitCode.OK,
      )
      const applied = await runCli(['delete-tags', '--plan', file, '--yes', '--debug'])
      assert.equal(applied.code, ExitCode.OK, applied.stderr)
      assert.deepEqual(
        [requests(applied.stderr, tagLists), requests(applied.stderr, latestHeads)],
        [1, 1],
        applied.stderr,
      )
      assert.deepEqual(await tagsOf(again.name), ['2022-01-15-090000-production', 'latest'])
    })

    it('skips the dates for an unattended --yes run without retention rules, not with --older-than', async () => {
      const {name} = await seedApp(client())
      const unattended = await runCli(['delete-tags', `${registry().host}/${name}:20*`, '--yes', '--json', '--debug'])
      assert.equal(unattended.code, ExitCode.BLOCKED)
      assert.ok(datesOf(unattended.stdout).length > 0)
      assert.ok(
        datesOf(unattended.stdout).every((created) => created === undefined),
        unattended.stdout,
      )
      assert.equal(configRequests(unattended.stderr), 0)
      const retention = await runCli([
        'delete-tags',
        `${registry().host}/${name}:20*`,
        '--yes',
        '--json',
        '--older-than',
        '1d',
      ])
      assert.equal(retention.code, ExitCode.BLOCKED)
      assert.ok(datesOf(retention.stdout).every(Boolean), retention.stdout)
    })
  })

  describe('races between plan and delete', () => {
    it('skips a tag that moved to another image after the plan ([CHANGED]) and leaves that image alone', async () => {
      const {name, newer} = await seedApp(client())
      const plan = await gatherTagPlan(client(), {name, pattern: '2021-*', policy: 'include'})
      // Someone re-tags the release onto the newer image between the prompt and the delete.
      const newerImage = await client().manifest(name, newer)
      await client().pushManifest(name, '2021-07-28-175322-production', newerImage.raw, newerImage.manifest.mediaType)
      const result = await executePlan(client(), plan)
      assert.equal(result.tags.find((t) => t.tag === '2021-07-28-175322-production')!.status, 'CHANGED')
      assert.equal(await client().exists(name, '2021-07-28-175322-production'), newer)
      assert.equal(await client().exists(name, 'latest'), newer)
    })

    it('does not delete an image that a tag created after the plan points at', async () => {
      const {name, older} = await seedApp(client())
      const plan = await gatherTagPlan(client(), {name, pattern: '2021-*', policy: 'include'})
      const olderImage = await client().manifest(name, older)
      await client().pushManifest(name, 'hotfix-pinned', olderImage.raw, olderImage.manifest.mediaType)
      const result = await executePlan(client(), plan)
      assert.ok(
        result.tags.every((t) => t.status === 'CHANGED'),
        JSON.stringify(result.tags),
      )
      assert.equal(await client().exists(name, 'hotfix-pinned'), older)
    })
  })

  describe('confirmation', () => {
    it('refuses without a terminal and without --yes: exit 11, nothing deleted', async () => {
      const {name} = await seedApp(client())
      const {code, stderr} = await runCli(['delete-tags', `${registry().host}/${name}:2022-*`, '--include-siblings'])
      assert.equal(code, ExitCode.ABORTED)
      assertErrorAfterPlan(
        stderr,
        /refusing to delete without confirmation: stdin is not a terminal and did not answer y \(pass --yes/,
      )
      assert.equal((await tagsOf(name)).length, 4)
    })

    it('asks on a terminal, for a single tag too; "n" deletes nothing', async () => {
      const {name} = await seedApp(client())
      const {code, stdout} = await runCliInTerminal(
        ['delete-tags', `${registry().host}/${name}:latest`, '--include-siblings'],
        'n',
      )
      assert.equal(code, ExitCode.ABORTED)
      assert.match(stdout, /Not selected but deleted with their image: 2022-01-15-090000-production/)
      assert.match(stdout, /\(y\/N\)/)
      assert.match(stdout, /not confirmed; nothing was deleted/)
      assert.equal((await tagsOf(name)).length, 4)
    })

    it('asks on a terminal; "y" deletes', async () => {
      const {name} = await seedApp(client())
      const {code, stdout} = await runCliInTerminal(
        ['delete-tags', `${registry().host}/${name}:latest`, '--include-siblings'],
        'y',
      )
      assert.equal(code, ExitCode.OK, stdout)
      assert.match(stdout, /:latest +\[DONE\]/)
      assert.deepEqual(await tagsOf(name), ['2021-07-28-175322-production', 'stable'])
    })

    it('takes an explicit y or yes piped on stdin as the answer (echo y | …), and nothing else', async () => {
      for (const [answer, expected] of [
        ['n\n', ExitCode.ABORTED],
        ['yess\n', ExitCode.ABORTED],
        ['\n', ExitCode.ABORTED],
        ['y\n', ExitCode.OK],
      ] as const) {
        const {name} = await seedApp(client())
        const {code, stdout, stderr} = await runCli(
          ['delete-tags', `${registry().host}/${name}:2022-*`, '--include-siblings'],
          {input: answer},
        )
        assert.equal(code, expected, `${JSON.stringify(answer)}: ${stderr}`)
        assert.match(stderr, /Until garbage collection runs, `registryctl restore` can undo it\. \[y\/N\] /)
        assert.equal((await tagsOf(name)).length, expected === ExitCode.OK ? 2 : 4, JSON.stringify(answer))
        if (expected === ExitCode.OK) {
          assert.equal(
            stdout,
            [`${registry().host}/${name}:2022-01-15-090000-production`, `${registry().host}/${name}:latest`]
              .map((ref) => `${ref.padEnd(74)}[DONE]\n`)
              .join(''),
          )
        }
      }

      const {name} = await seedApp(client())
      assert.equal(
        (await runCli(['delete-tags', `${registry().host}/${name}:latest`, '--include-siblings'], {input: 'YES\r\n'}))
          .code,
        ExitCode.OK,
      )
    })

    it('takes -f for --force, and -s keeps stderr to errors: stdout has only the report lines', async () => {
      const {name} = await seedApp(client())
      const {code, stdout, stderr} = await runCli(['-s', 'delete-tags', `${registry().host}/${name}:20*`, '-f'])
      assert.equal(code, ExitCode.BLOCKED, stderr)
      assert.equal(stderr, '')
      assert.deepEqual(stdout.trimEnd().split('\n'), [
        `${`${registry().host}/${name}:2021-07-28-175322-production`.padEnd(74)}[KEPT]`,
        `${`${registry().host}/${name}:2022-01-15-090000-production`.padEnd(74)}[KEPT]`,
      ])
    })

    it('reads HOST/NAME without a tag as every tag, still planned and confirmed (docker:// accepted)', async () => {
      const {name} = await seedApp(client())
      const refused = await runCli(['delete-tags', `docker://${registry().host}/${name}`, '--include-siblings'])
      assert.equal(refused.code, ExitCode.ABORTED)
      assert.match(refused.stderr, /tags matching '\*'[^]*Summary: delete 4 tag\(s\) with 2 image\(s\)/)
      assert.equal((await tagsOf(name)).length, 4)
      const confirmed = await runCli(['delete-tags', `${registry().host}/${name}`], {input: 'y\n'})
      assert.equal(confirmed.code, ExitCode.OK, confirmed.stderr)
      assert.equal(confirmed.stdout.split('\n').filter((line) => line.endsWith('[DONE]')).length, 4)
      assert.deepEqual(await tagsOf(name), [])
    })

    it('prints the plan and exits 0 with --dry-run, deleting nothing', async () => {
      const {name} = await seedApp(client())
      const {code, stdout} = await runCli(['delete-tags', `${registry().host}/${name}:*`, '--dry-run'])
      assert.equal(code, ExitCode.OK)
      assert.match(stdout, /Summary: delete 4 tag\(s\) with 2 image\(s\)/)
      assert.equal((await tagsOf(name)).length, 4)
    })
  })

  describe('plans as files', () => {
    const dir = useTempDir('plans')

    it('writes a plan with --plan-out and applies it with --plan, re-verifying each tag', async () => {
      const {name, newer} = await seedApp(client())
      const file = join(dir(), 'plan.json')
      const dry = await runCli(['delete-tags', `${registry().host}/${name}:*`, '--dry-run', '--plan-out', file])
      assert.equal(dry.code, 0)
      const plan = JSON.parse(await readFile(file, 'utf8')) as {kind: string; tags: unknown[]}
      assert.equal(plan.kind, 'registryctl-deletion-plan')
      assert.equal(plan.tags.length, 4)
      // Reviewed, but meanwhile `stable` moved to the newer image: it must not be deleted as planned.
      const newerImage = await client().manifest(name, newer)
      await client().pushManifest(name, 'stable', newerImage.raw, newerImage.manifest.mediaType)
      const applied = await runCli(['delete-tags', '--plan', file, '--yes'])
      // Planned tags still in place ([CHANGED]): not "all done".
      assert.equal(applied.code, ExitCode.PARTIAL, applied.stdout)
      assert.match(applied.stdout, /:stable +\[CHANGED\]/)
      assert.match(applied.stdout, /:2021-07-28-175322-production +\[DONE\]/)
      // `stable` now sits on the newer image: deleting it would take `stable` along, unreviewed.
      assert.match(applied.stdout, /:latest +\[CHANGED\]/)
      assert.deepEqual(await tagsOf(name), ['2022-01-15-090000-production', 'latest', 'stable'])
    })

    it('never deletes a protected tag that moved onto a planned image after the review', async () => {
      const {name, newer} = await seedApp(client())
      const file = join(dir(), 'protected-plan.json')
      // `stable` is protected, so its (older) image is blocked; the newer image is planned for deletion.
      const dry = await runCli([
        'delete-tags',
        `${registry().host}/${name}:*`,
        '--protect',
        'stable',
        '--include-siblings',
        '--dry-run',
        '--plan-out',
        file,
      ])
      assert.equal(dry.code, 0, dry.stderr)
      const newerImage = await client().manifest(name, newer)
      await client().pushManifest(name, 'stable', newerImage.raw, newerImage.manifest.mediaType)
      const applied = await runCli(['delete-tags', '--plan', file, '--yes'])
      assert.match(applied.stdout, /:latest +\[CHANGED\]/)
      assert.match(applied.stderr, /stable appeared on or moved onto this image after the plan was made/)
      assert.ok((await tagsOf(name)).includes('stable'), 'the protected tag is still there')
      assert.equal(await client().exists(name, 'stable'), newer)
    })

    it('rejects a file that is not a plan with exit code 2', async () => {
      const {code, stderr} = await runCli(['delete-tags', '--plan', '/etc/hostname', '--yes'])
      assert.equal(code, ExitCode.USAGE)
      assertOneLineError(stderr, /cannot read plan|is not a registryctl deletion plan/)
    })
  })

  describe('retention', () => {
    it('keeps the newest with --keep and deletes only what is older than --older-than', async () => {
      const name = `retention/r${Date.now()}`
      const days = [10, 40, 100, 200, 400] // days ago
      const now = Date.now()
      for (const [i, age] of days.entries()) {
        const created = new Date(now - age * 86_400_000).toISOString()
        await pushImage(client(), name, [`build-${age}d`], buildImage({created, layers: [`${name} ${i}`]}))
      }

      const {code, stdout, stderr} = await runCli([
        'delete-tags',
        `${registry().host}/${name}:build-*`,
        '--older-than',
        '90d',
        '--keep',
        '4',
        '--yes',
      ])
      assert.equal(code, ExitCode.OK, stdout)
      // --keep 4 keeps 10d, 40d, 100d, 200d; --older-than 90d would also keep 10d and 40d: only 400d goes.
      assert.match(stdout, /build-400d +\[DONE\]/)
      assert.match(stderr, /build-10d .*KEEP \(newer than --older-than 90d\)/)
      assert.deepEqual(await tagsOf(name), ['build-100d', 'build-10d', 'build-200d', 'build-40d'])
      const second = await runCli([
        'delete-tags',
        `${registry().host}/${name}:build-*`,
        '--older-than',
        '90d',
        '--protect',
        'build-2*',
        '--yes',
      ])
      assert.equal(second.code, ExitCode.OK)
      assert.deepEqual(await tagsOf(name), ['build-10d', 'build-200d', 'build-40d'])
    })

    it('rejects a malformed duration with exit code 2', async () => {
      const {code, stderr} = await runCli([
        'delete-tags',
        `${registry().host}/x:*`,
        '--older-than',
        'ninety days',
        '--yes',
      ])
      assert.equal(code, ExitCode.USAGE)
      assertOneLineError(stderr, /invalid duration "ninety days"/)
    })
  })
})

describe('delete-tags against registries that refuse @integration', () => {
  it('stops before deleting anything when deletes are disabled (storage.delete.enabled: false): exit 8', async () => {
    const registry = await startRegistry({deleteEnabled: false})
    try {
      const client = localSession().client({host: registry.host})
      const {name} = await seedApp(client)
      const {code, stderr} = await runCli(['delete-tags', `${registry.host}/${name}:*`, '--yes'])
      assert.equal(code, ExitCode.UNSUPPORTED)
      assertErrorAfterPlan(stderr, /has deletes disabled \(storage\.delete\.enabled is false\)/)
      // --dry-run runs the same checks and says what the real run would be refused.
      const dryRun = await runCli(['delete-tags', `${registry.host}/${name}:*`, '--dry-run'])
      assert.equal(dryRun.code, ExitCode.UNSUPPORTED)
      assert.match(dryRun.stdout, /Summary: delete 4 tag\(s\)/)
      assertOneLineError(dryRun.stderr, /^registryctl: dry run: a real run would be refused: .* has deletes disabled/)
      // On a terminal, refused before the question: nobody answers y to a run that cannot happen.
      const asked = await runCliInTerminal(['delete-tags', `${registry.host}/${name}:*`, '--include-siblings'], 'n')
      assert.equal(asked.code, ExitCode.UNSUPPORTED, asked.stdout)
      assert.doesNotMatch(asked.stdout, /\(y\/N\)/)
      assert.match(asked.stdout, /has deletes disabled/)
      assert.equal((await client.tags(name)).length, 4)
    } finally {
      await registry.stop()
    }
  })

  it('says the registry is read-only in maintenance mode: exit 8', async () => {
    const registry = await startRegistry({readOnly: true})
    try {
      new StoreWriter(registry.rootDirectory).image('ro/app', ['v1'], buildImage({created: '2021-01-01T00:00:00Z'}))
      const {code, stderr} = await runCli(['delete-tags', `${registry.host}/ro/app:v1`, '--yes'])
      assert.equal(code, ExitCode.UNSUPPORTED)
      assertErrorAfterPlan(stderr, /refuses writes \(read-only\/maintenance mode\)/)
      const dryRun = await runCli(['delete-tags', `${registry.host}/ro/app:v1`, '--dry-run'])
      assert.equal(dryRun.code, ExitCode.UNSUPPORTED)
      assertOneLineError(dryRun.stderr, /dry run: a real run would be refused: .*read-only/)
    } finally {
      await registry.stop()
    }
  })

  it('behind nginx: deletion needs push credentials (exit 5 without), and works with them', async () => {
    const registry = await startRegistry()
    const nginx = await startNginx(registry.host)
    try {
      const {name} = await seedApp(localSession().client({host: registry.host}))
      const target = `${nginx.host}/${name}:2022-*`
      const anonymous = await runCli([
        'delete-tags',
        target,
        '--include-siblings',
        '--yes',
        '--ca-file',
        nginx.pki.caCert,
      ])
      assert.equal(anonymous.code, ExitCode.UNAUTHORIZED)
      assert.match(anonymous.stderr, /authentication required by 127\.0\.0\.1:\d+: no credentials found/)
      const dryRun = await runCli([
        'delete-tags',
        target,
        '--include-siblings',
        '--dry-run',
        '--ca-file',
        nginx.pki.caCert,
      ])
      assert.equal(dryRun.code, ExitCode.UNAUTHORIZED)
      assertOneLineError(dryRun.stderr, /dry run: a real run would be refused: authentication required/)
      const dryRunWithCredentials = await runCli(
        [
          'delete-tags',
          target,
          '--include-siblings',
          '--dry-run',
          '--ca-file',
          nginx.pki.caCert,
          '--username',
          USERS.push.username,
          '--password-stdin',
        ],
        {input: USERS.push.password},
      )
      assert.equal(dryRunWithCredentials.code, ExitCode.OK, dryRunWithCredentials.stderr)
      const user = USERS.push
      const withCredentials = await runCli(
        [
          'delete-tags',
          target,
          '--include-siblings',
          '--yes',
          '--ca-file',
          nginx.pki.caCert,
          '--username',
          user.username,
          '--password-stdin',
        ],
        {
          input: user.password,
        },
      )
      assert.equal(withCredentials.code, ExitCode.OK, withCredentials.stderr)
      assert.deepEqual((await localSession().client({host: registry.host}).tags(name)).sort(), [
        '2021-07-28-175322-production',
        'stable',
      ])
    } finally {
      await nginx.stop()
      await registry.stop()
    }
  })
})
