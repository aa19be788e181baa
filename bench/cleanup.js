// cleanup --dry-run over the bench store (REPOSITORIES repositories x TAGS tags, TAGS distinct images
// shared by every repository) with a keep-N rule, against curl sending the same requests: the catalog,
// every tag list, one HEAD per tag (all four manifest types accepted), and one manifest and one config
// GET per distinct image, --parallel --parallel-max 8 over keep-alive, in three batches. curl is told every URL up front
// (a floor: it needs no answer to know the next request); registryctl discovers them as it goes.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {MANIFEST_ACCEPT} from '../dist/lib/registry/manifests.js'

/**
 * @param {{registry: {host: string, url: string}, work: string, cli: string, names: string[], compare: Function, timeProcess: Function}} context
 *   names: the repositories of the store the policy covers (bench/team-*), every one with the same tags.
 */
export async function benchCleanup({registry, work, cli, names, compare, timeProcess}) {
  const base = registry.url
  const first = names[0]
  // Untimed preparation: the tags, and each image's manifest and config digest, read once.
  const tags = (await (await fetch(`${base}/v2/${first}/tags/list`)).json()).tags
  const images = new Map()
  for (const tag of tags) {
    const response = await fetch(`${base}/v2/${first}/manifests/${tag}`, {headers: {accept: MANIFEST_ACCEPT}})
    const manifest = await response.json()
    images.set(response.headers.get('docker-content-digest'), manifest.config.digest)
  }

  const policy = join(work, 'cleanup.yaml')
  writeFileSync(
    policy,
    `registry: ${registry.host}\nrules:\n  - name: keep-ten\n    repositories: ["bench/team-*"]\n    tags: ["*"]\n    keep: 10\n`,
  )
  const accept = `header = "Accept: ${MANIFEST_ACCEPT}"\n`
  const lists = names.map((name) => `url = "${base}/v2/${name}/tags/list"\noutput = "/dev/null"\n`)
  const heads = names.flatMap((name) =>
    tags.map((tag) => `url = "${base}/v2/${name}/manifests/${tag}"\noutput = "/dev/null"\n`),
  )
  const gets = [...images].flatMap(([digest, config]) => [
    `url = "${base}/v2/${first}/manifests/${digest}"\noutput = "/dev/null"\n`,
    `url = "${base}/v2/${first}/blobs/${config}"\noutput = "/dev/null"\n`,
  ])
  // Three batches, in the order the answers are needed: tag lists, HEADs (--head is global in a config), GETs.
  const files = {
    lists: join(work, 'cleanup-lists.curl'),
    heads: join(work, 'cleanup-heads.curl'),
    gets: join(work, 'cleanup-gets.curl'),
  }
  writeFileSync(files.lists, lists.join(''))
  writeFileSync(files.heads, accept + heads.join(''))
  writeFileSync(files.gets, accept + gets.join(''))
  const parallel = (file, extra = '') => `curl -sf ${extra} --parallel --parallel-max 8 -K '${file}'`
  return compare(
    `cleanup --dry-run, keep 10 (${names.length} x ${tags.length} tags)`,
    () => timeProcess(process.execPath, [cli, 'cleanup', policy, '--dry-run', '--concurrency', '8']),
    () =>
      timeProcess('sh', [
        '-c',
        `curl -sf '${base}/v2/_catalog?n=1000' -o /dev/null && ${parallel(files.lists)} && ${parallel(files.heads, '--head')} && ${parallel(files.gets)}`,
      ]),
  )
}
