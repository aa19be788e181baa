#!/usr/bin/env node
// registryctl homepage benchmark: a full build (no state) and a rebuild of the unchanged registry,
// each against curl sending the requests a rebuild cannot avoid (the catalog, every tag list and a
// HEAD per tag, 8 at a time over keep-alive), with the requests each build made as it counted them.
// Called by bench/run.js with its running fixture registry; standalone it builds a small fixture:
//   node bench/homepage.js [--repositories 50 --tags 10 --runs 1]
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const CLI = fileURLToPath(new URL('../bin/run.js', import.meta.url))

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Run a process, fail loudly if it fails; wall time in ms and its stdout. */
function run(command, args) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, args, {stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 28})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0)
    throw new Error(`${command} ${args.slice(0, 3).join(' ')} failed (${result.status}): ${result.stderr.slice(-1000)}`)
  return {ms, stdout: result.stdout}
}

/**
 * @param {{registry: {host: string, url: string}, work: string, runs: number, hide?: string[]}} options
 * @returns {{results: Array<{label: string, candidateMs: number, baselineMs: number, ratio: number}>, lines: string[]}}
 */
export function benchHomepage({registry, work, runs, hide = []}) {
  const folder = mkdtempSync(join(work, 'homepage-'))
  const hideArgs = hide.flatMap((glob) => ['--hide', glob])
  const build = (out, state) => {
    const {ms, stdout} = run(process.execPath, [
      CLI,
      'homepage',
      registry.host,
      '--out',
      out,
      '--state',
      state,
      '--json',
      '--concurrency',
      '8',
      ...hideArgs,
    ])
    return {ms, result: JSON.parse(stdout)}
  }

  /** curl sending the requests a rebuild cannot avoid, for the repositories and tags a build published. */
  const curlFor = (site) => {
    const published = JSON.parse(readFileSync(join(site, 'index.json'), 'utf8')).repositories
    // Two lists: tag lists (GET) and manifests (HEAD with the four manifest types accepted, as registryctl does).
    const tagLists = []
    const heads = []
    for (const {name} of published) {
      tagLists.push(`url = "${registry.url}/v2/${name}/tags/list?n=1000"\noutput = "/dev/null"\n`)
      const data = JSON.parse(readFileSync(join(site, 'r', `${name.replaceAll('/', '~')}.json`), 'utf8'))
      for (const {tag} of data.tags)
        heads.push(`url = "${registry.url}/v2/${name}/manifests/${tag}"\noutput = "/dev/null"\n`)
    }

    writeFileSync(join(folder, 'tag-lists.curl'), tagLists.join(''))
    writeFileSync(join(folder, 'heads.curl'), heads.join(''))
    const accept =
      'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'
    const command = `curl -sf '${registry.url}/v2/_catalog?n=1000' -o /dev/null && curl -sf --parallel --parallel-max 8 -K '${join(folder, 'tag-lists.curl')}' && curl -sf --head -H '${accept}' --parallel --parallel-max 8 -K '${join(folder, 'heads.curl')}'`
    return {
      describe: `the catalog, ${tagLists.length} tag lists and ${heads.length} HEADs (8 in parallel)`,
      run: () => run('sh', ['-c', command]).ms,
    }
  }

  // Each run: a full build from no state, curl, then a rebuild of the same (unchanged) registry.
  const full = []
  const rebuild = []
  const baseline = []
  let fullResult
  let rebuildResult
  let curl
  for (let i = 1; i <= runs; i++) {
    const site = join(folder, `site-${i}`)
    const state = join(folder, `state-${i}.json`)
    const fresh = build(site, state)
    full.push(fresh.ms)
    fullResult = fresh.result
    curl ??= curlFor(site)
    baseline.push(curl.run())
    const again = build(site, state)
    rebuild.push(again.ms)
    rebuildResult = again.result
    if (again.result.requests.manifestGets !== 0 || again.result.requests.blobGets !== 0)
      throw new Error(`a rebuild of the unchanged registry sent GETs: ${JSON.stringify(again.result.requests)}`)
  }

  rmSync(folder, {recursive: true, force: true})
  const {repositories, tags} = fullResult
  const results = [
    {
      label: `homepage full build (${repositories} repos, ${tags} tags)`,
      candidateMs: median(full),
      baselineMs: median(baseline),
      ratio: median(full) / median(baseline),
    },
    {
      label: `homepage rebuild, unchanged`,
      candidateMs: median(rebuild),
      baselineMs: median(baseline),
      ratio: median(rebuild) / median(baseline),
    },
  ]
  const describe = (c) =>
    `${c.catalog} catalog, ${c.tagLists} tag lists, ${c.manifestHeads} manifest HEADs, ${c.manifestGets} manifest GETs, ${c.blobGets} blob GETs, ${c.other} other`
  return {
    results,
    lines: [
      `homepage baseline: curl sending ${curl.describe}; ${runs} run(s) each`,
      `homepage full build requests: ${describe(fullResult.requests)}`,
      `homepage rebuild requests:    ${describe(rebuildResult.requests)}`,
      `homepage rebuild / full build: ${(median(rebuild) / median(full)).toFixed(2)}x time`,
    ],
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const {values} = parseArgs({
    options: {
      repositories: {type: 'string', default: '50'},
      tags: {type: 'string', default: '10'},
      runs: {type: 'string', default: '1'},
    },
  })
  const {buildImage} = await import('../dist/sandbox/images.js')
  const {startRegistry} = await import('../dist/sandbox/registry-process.js')
  const {StoreWriter} = await import('../dist/sandbox/store.js')
  const work = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'registryctl-bench-homepage-'))
  try {
    const writer = new StoreWriter(join(work, 'store'))
    const images = Array.from({length: Number(values.tags)}, (_, j) =>
      buildImage({
        created: new Date(Date.UTC(2021, 0, 1) + j * 86_400_000).toISOString(),
        layers: ['shared base', `layer ${j}`],
      }),
    )
    for (let i = 0; i < Number(values.repositories); i++) {
      images.forEach((image, j) =>
        writer.image(
          `bench/team-${String(i).padStart(4, '0')}/app`,
          [`2021-${String(j).padStart(3, '0')}-production`],
          image,
        ),
      )
    }

    const registry = await startRegistry({rootDirectory: join(work, 'store')})
    try {
      const {results, lines} = benchHomepage({registry, work, runs: Number(values.runs)})
      for (const r of results)
        console.log(
          r.label.padEnd(44),
          `${r.candidateMs.toFixed(0)} ms`.padStart(12),
          `${r.baselineMs.toFixed(0)} ms`.padStart(10),
          `${r.ratio.toFixed(2)}x`.padStart(7),
        )
      for (const line of lines) console.log(line)
    } finally {
      await registry.stop()
    }
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
}
