/**
 * Deletions in hostile corners (found by an adversarial hunt): a multi-arch image's platforms, an
 * edited plan, a stderr that breaks, a long journal, a registry whose tag DELETE takes the image.
 * Each checks what the registry really holds afterwards against what the run said.
 */
import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync} from 'node:fs'
import {readFile, writeFile} from 'node:fs/promises'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {MANIFEST_ACCEPT} from '../../src/lib/registry/manifests.js'
import {buildImage, buildMultiArch} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {RUN, runCli, isolatedEnvironment} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'

let counter = 0

describe('delete-tags in hostile corners @integration', () => {
  const registry = useRegistry()
  const client = () => localSession().client({host: registry().host})

  // A tag on a platform manifest of a tagged multi-arch image used to be planned like any image: its
  // digest was deleted ([DONE], exit 0) and the index lost that platform. It is blocked now (exit 12).
  it('does not delete a platform manifest that a kept, tagged index still references', async () => {
    const name = `hostile/index-${++counter}-${Date.now()}`
    const index = buildMultiArch(['2024-01-10T00:00:00Z', '2024-01-11T00:00:00Z'], 'oci', name)
    await pushImage(client(), name, ['multi'], index)
    const child = index.children[0]!
    await client().pushManifest(name, 'amd64-only', child.manifest, child.mediaType)
    const result = await runCli(['delete-tags', `${registry().host}/${name}:amd64-only`, '--yes'])
    assert.equal(result.code, ExitCode.BLOCKED, result.stderr)
    assert.match(result.stderr, /its image is a platform of the multi-arch image tagged multi, which stays/)
    assert.match(result.stdout, /:amd64-only +\[KEPT\]/)
    assert.equal(await client().exists(name, 'multi'), index.digest)
    assert.equal(await client().exists(name, child.digest), child.digest)
    // Nor by digest: delete-manifest refuses it the same way.
    const byDigest = await runCli(['delete-manifest', `${registry().host}/${name}@${child.digest}`, '--yes'])
    assert.equal(byDigest.code, ExitCode.BLOCKED, byDigest.stderr)
    assert.match(byDigest.stderr, /a platform of the multi-arch image tagged multi, which stays/)
    assert.equal(await client().exists(name, child.digest), child.digest)
    // With --keep-siblings only the tag goes; the platform stays for multi.
    const untagged = await runCli(['delete-tags', `${registry().host}/${name}:amd64-only`, '--yes', '--keep-siblings'])
    assert.equal(untagged.code, ExitCode.OK, untagged.stderr)
    assert.equal(await client().exists(name, 'amd64-only'), undefined)
    assert.equal(await client().exists(name, child.digest), child.digest)
  })

  const tmp = useTempDir('hostile-plan')

  // A reviewed plan edited to spare a tag (its action set to "kept") while its image is still planned
  // for deletion used to lose the tag and report it [KEPT]: such a plan is refused (exit 2).
  it('refuses a plan edited to keep a tag whose image it still deletes: nothing deleted, exit 2', async () => {
    const name = `hostile/plan-${++counter}-${Date.now()}`
    const image = buildImage({created: '2021-01-01T00:00:00Z', layers: [name]})
    await pushImage(client(), name, ['release-1', 'stable'], image)
    const file = join(tmp(), 'plan.json')
    const planned = await runCli([
      'delete-tags',
      `${registry().host}/${name}:release-*`,
      '--include-siblings',
      '--dry-run',
      '--plan-out',
      file,
    ])
    assert.equal(planned.code, 0, planned.stderr)
    const plan = JSON.parse(await readFile(file, 'utf8')) as {
      tags: Array<{tag: string; action: string; reason?: string}>
    }
    const stable = plan.tags.find((entry) => entry.tag === 'stable')!
    assert.equal(stable.action, 'delete')
    Object.assign(stable, {action: 'kept', reason: 'spared by the reviewer'})
    await writeFile(file, JSON.stringify(plan))
    const applied = await runCli(['delete-tags', '--plan', file, '--yes'])
    assert.equal(applied.code, ExitCode.USAGE, applied.stderr)
    assert.match(
      applied.stderr,
      /^registryctl: plan \S+plan\.json contradicts itself: tag stable is planned "kept", but its image sha256:\w+ \(tags release-1, stable\) is to be deleted/m,
    )
    assert.equal(await client().exists(name, 'stable'), image.digest)
    assert.equal(await client().exists(name, 'release-1'), image.digest)
  })

  // Standard error that fails mid-run (its reader gone) while --debug writes a line per request: the
  // run stops as when stdout fails, and every outcome is still reported on stdout; exit 74.
  it('a standard error that breaks mid-deletion (--debug) stops the run and leaves no deleted tag unreported', async function () {
    this.timeout(120_000)
    const name = `hostile/stderr-${++counter}-${Date.now()}`
    const tags = Array.from({length: 30}, (_, i) => `t${String(i).padStart(2, '0')}`)
    for (const [i, tag] of tags.entries()) {
      await pushImage(client(), name, [tag], buildImage({created: '2021-01-01T00:00:00Z', layers: [`${name} ${i}`]}))
    }

    const cache = mkdtempSync(join(tmpdir(), 'registryctl-hostile-cache-'))
    const result = await new Promise<{code: number; stdout: string}>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [RUN, 'delete-tags', `${registry().host}/${name}:t*`, '--yes', '--silent', '--debug'],
        {
          env: isolatedEnvironment({XDG_CACHE_HOME: cache}),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      )
      let stdout = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
      // The reader of stderr goes away once the DELETEs have begun.
      child.stderr.on('data', (chunk: Buffer) => {
        if (/debug: DELETE .* -> 202/.test(chunk.toString())) child.stderr.destroy()
      })
      child.on('error', reject)
      child.on('close', (code) => resolve({code: code ?? -1, stdout}))
    }).finally(() => rmSync(cache, {recursive: true, force: true}))
    const left = new Set(await client().tags(name))
    const deleted = tags.filter((tag) => !left.has(tag))
    const reported = new Set([...result.stdout.matchAll(/:(t\d\d) +\[DONE\]/g)].map((match) => match[1]))
    assert.deepEqual(
      deleted.filter((tag) => !reported.has(tag)),
      [],
      `deleted without a report line (exit ${result.code}):\n${result.stdout}`,
    )
    assert.equal(result.code, ExitCode.OUTPUT, `deleted ${deleted.length}, reported ${reported.size}`)
    // Every tag has its line: the ones not deleted are [SKIPPED].
    assert.equal([...result.stdout.matchAll(/:(t\d\d) +\[(DONE|SKIPPED)\]/g)].length, tags.length, result.stdout)
  })

  // A rerun with --journal reads back only the last run of the journal: one a nightly job has appended
  // to past 512 MB (here a sparse 600 MB file, no disk used) used to end in "internal error", exit 70.
  it('reads only the last run of a long journal (600 MB) before deleting', async () => {
    const name = `hostile/journal-${++counter}-${Date.now()}`
    await pushImage(client(), name, ['t1'], buildImage({created: '2021-01-01T00:00:00Z', layers: [name]}))
    const journal = join(tmp(), 'journal.jsonl')
    writeFileSync(journal, '')
    truncateSync(journal, 600 * 1024 * 1024)
    appendFileSync(
      journal,
      `\n${JSON.stringify({event: 'start', time: '2026-01-01T00:00:00Z', registry: 'r', name: 'n', pattern: '*', planCreatedAt: 'x'})}\n`,
    )
    appendFileSync(
      journal,
      `${JSON.stringify({event: 'outcome', time: '2026-01-01T00:00:01Z', registry: 'r', name: 'n', tag: 't', digest: `sha256:${'a'.repeat(64)}`, status: 'DONE'})}\n`,
    )
    const result = await runCli(['delete-tags', `${registry().host}/${name}:t1`, '--yes', '--journal', journal])
    rmSync(journal, {force: true})
    assert.equal(result.code, ExitCode.OK, result.stderr)
    assert.match(
      result.stderr,
      /the last run in journal \S+ \(r\/n, started 2026-01-01T00:00:00Z\) did not finish \(killed\?\) and recorded 1 DONE/,
    )
    assert.equal(await client().exists(name, 't1'), undefined)
  })

  /**
   * A registry whose DELETE by tag deletes the tag's whole manifest (what OCI 1.1 tag deletion must not
   * do, and some registries did): a proxy in front of the real one, passing everything else on.
   */
  async function startTagDeletingProxy(upstream: string): Promise<{host: string; close(): Promise<void>}> {
    const readAll = async (request: IncomingMessage) => {
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks)
    }

    const server: Server = createServer(async (request, response) => {
      const body = await readAll(request)
      const byTag = /^\/v2\/(.+)\/manifests\/([^/:]+)$/.exec(request.url ?? '')
      if (request.method === 'DELETE' && byTag) {
        const head = await fetch(`http://${upstream}/v2/${byTag[1]}/manifests/${byTag[2]}`, {
          method: 'HEAD',
          headers: {accept: MANIFEST_ACCEPT},
        })
        const digest = head.headers.get('docker-content-digest')
        if (digest) await fetch(`http://${upstream}/v2/${byTag[1]}/manifests/${digest}`, {method: 'DELETE'})
        response.writeHead(digest ? 202 : 404).end()
        return
      }

      const headers: Record<string, string> = {}
      for (const [key, value] of Object.entries(request.headers))
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(key)) headers[key] = value
      const answer = await fetch(`http://${upstream}${request.url}`, {
        method: request.method,
        headers,
        body: ['GET', 'HEAD'].includes(request.method ?? '') ? undefined : body,
        redirect: 'manual',
      })
      const out: Record<string, string> = {}
      for (const [key, value] of answer.headers)
        if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(key)) out[key] = value
      const payload = Buffer.from(await answer.arrayBuffer())
      if (request.method === 'HEAD') {
        const length = answer.headers.get('content-length')
        if (length) out['content-length'] = length
        response.writeHead(answer.status, out).end()
      } else {
        out['content-length'] = String(payload.length)
        response.writeHead(answer.status, out).end(payload)
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return {
      host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    }
  }

  // With --keep-siblings, a registry whose DELETE by tag takes the image (and every sibling) with it
  // is caught by the untag's own check; the tag's line then says so ([FAIL]), exit 10, never [DONE].
  it('--keep-siblings never reports success when the registry deleted the kept image', async () => {
    const name = `hostile/untag-${++counter}-${Date.now()}`
    const image = buildImage({created: '2021-01-01T00:00:00Z', layers: [name]})
    await pushImage(client(), name, ['release-1', 'stable'], image)
    const proxy = await startTagDeletingProxy(registry().host)
    try {
      const result = await runCli(['delete-tags', `${proxy.host}/${name}:release-*`, '--keep-siblings', '--yes'])
      assert.equal(await client().exists(name, 'stable'), undefined, 'the proxy deletes the image for a tag DELETE')
      assert.equal(result.code, ExitCode.PARTIAL, result.stderr)
      assert.match(result.stdout, /:release-1 +\[FAIL\]/)
      assert.doesNotMatch(result.stdout, /\[DONE\]/)
    } finally {
      await proxy.close()
    }
  })
})
