#!/usr/bin/env node
// Bundles the CLI with esbuild into dist/bundle: one entry per command (oclif's manifest points at
// them, so oclif neither scans folders nor loads a command it does not run), bin/run.js's entry
// (oclif itself), and shared chunks. Start-up then costs a few file reads instead of ~900 module
// resolutions in node_modules. The library (dist/lib, with its .d.ts) is still built by tsc.
import {readdirSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const commands = (dir) =>
  readdirSync(dir, {withFileTypes: true}).flatMap((entry) =>
    entry.isDirectory() ? commands(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )

const {metafile} = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts', ...commands(join(root, 'src/commands')).map((file) => relative(root, file))],
  outbase: 'src',
  outdir: 'dist/bundle',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS packages inside an ES module bundle (http2-wrapper, oclif's own) call require().
  banner: {js: "import {createRequire as __registryctlRequire} from 'node:module'; const require = __registryctlRequire(import.meta.url);"},
  // Names stay readable in stacks (--debug) and profiles; whitespace is what costs parse time.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // oclif requires these only to run TypeScript sources in development (bin/dev.js), never from the bundle.
  external: ['typescript', 'ts-node', 'tsx', 'tsx/*'],
  logLevel: 'warning',
  metafile: true,
})
// What each file of the bundle is made of and imports: a test checks what each command loads.
writeFileSync(join(root, 'dist/bundle/meta.json'), JSON.stringify(metafile))
