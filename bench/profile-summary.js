#!/usr/bin/env node
// Summarises a V8 CPU profile (node --cpu-prof) by where the time went: the module loader, each
// package under node_modules, registryctl's own code (or its bundle), other Node internals, GC, idle.
// Usage: node bench/profile-summary.js FILE.cpuprofile
import {readFileSync} from 'node:fs'

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

function category(node) {
  const {url, functionName} = node.callFrame
  if (functionName === '(garbage collector)') return 'GC'
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') return functionName
  if (/node:internal\/modules|internal\/modules/.test(url)) return 'node module loader'
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)
  if (pkg) return pkg[1]
  if (/\/dist\/bundle\//.test(url)) return 'bundle'
  if (/\/(dist|src)\//.test(url)) return 'registryctl'
  if (url.startsWith('node:') || url === '') return 'node internals'
  return url
}

// Self time per sample, then attributed to the category of the sample's leaf; the loader's share also
// counts samples under a module's top-level evaluation, which show as the package itself.
const deltas = profile.timeDeltas
const totals = new Map()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const ms = (deltas[i] ?? 0) / 1000
  total += ms
  // Node internals (compiling, reading files, the loader) are charged to the nearest package or
  // registryctl frame above them: that is who asked for the work.
  const node = byId.get(profile.samples[i])
  let key = category(node)
  for (let id = node.id; ['node internals', 'node module loader'].includes(key) && parent.has(id);) {
    id = parent.get(id)
    const above = category(byId.get(id))
    if (!['node internals', 'node module loader', '(root)'].includes(above)) {
      key = above
      break
    }
  }

  totals.set(key, (totals.get(key) ?? 0) + ms)
}

console.log(`total sampled ${total.toFixed(0)} ms (${profile.samples.length} samples)`)
for (const [key, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
  console.log(`${ms.toFixed(1).padStart(8)} ms  ${((ms / total) * 100).toFixed(0).padStart(3)} %  ${key}`)
}
