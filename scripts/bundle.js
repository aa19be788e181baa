#!/usr/bin/env node
// Bundles the CLI with esbuild into dist/bundle: one entry per command (oclif's manifest points at
// them, so oclif neither scans folders nor loads a command it does not run), bin/run.js's entry
// (oclif itself), and shared chunks. Start-up then costs a few file reads instead of ~900 module
// resolutions in node_modules. The library (dist/lib, with its .d.ts) is still built by tsc.
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const commands = (dir) =>
  readdirSync(dir, {withFileTypes: true}).flatMap((entry) =>
    entry.isDirectory() ? commands(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )

// oclif's help renders every summary, description and flag text as an EJS template: one
// ejs.compile (a `new Function`) per string, about half the time of `registryctl --help`. Text with
// no EJS tag (`<%` … `%>`) renders as itself, so only text with a tag goes through EJS. A new oclif
// whose help/util.js no longer has this line fails the build instead of silently losing the patch.
const EJS_RENDER = 'return ejs_1.default.render(t, context);'
const helpTemplates = {
  name: 'oclif-help-templates',
  setup(build) {
    build.onLoad({filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]help[\\/]util\.js$/}, (args) => {
      const source = readFileSync(args.path, 'utf8')
      if (!source.includes(EJS_RENDER)) throw new Error(`${args.path}: "${EJS_RENDER}" not found; update scripts/bundle.js`)
      const fast = "return typeof t === 'string' && !t.includes('<%') && !t.includes('%>') ? t : ejs_1.default.render(t, context);"
      return {contents: source.replace(EJS_RENDER, fast), loader: 'js'}
    })
  },
}

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
  plugins: [helpTemplates],
})
// What each file of the bundle is made of and imports: a test checks what each command loads.
writeFileSync(join(root, 'dist/bundle/meta.json'), JSON.stringify(metafile))
