#!/usr/bin/env node
// Bundles the CLI with esbuild into dist/bundle: one entry per command (oclif's manifest points at
// them, so oclif neither scans folders nor loads a command it does not run), bin/run.js's entry,
// shared chunks, and oclif as one CommonJS file run with a V8 code cache (see OCLIF_FILE). Start-up
// then costs a few file reads instead of ~900 module resolutions in node_modules. The library
// (dist/lib, with its .d.ts) is still built by tsc. `--code-cache`, after `oclif manifest`, writes
// the code cache.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {createRequire} from 'node:module'
import {join, relative} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {build} from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const commands = (dir) =>
  readdirSync(dir, {withFileTypes: true}).flatMap((entry) =>
    entry.isDirectory() ? commands(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  )

// Build-time changes to @oclif/core's own files, each an exact line: a new oclif without that line
// fails the build instead of silently losing the change. None changes what oclif does.
const OCLIF_PATCHES = {
  // oclif's help renders every summary, description and flag text as an EJS template: one
  // ejs.compile (a `new Function`) per string, about half the time of `registryctl --help`. Text
  // with no EJS tag (`<%` … `%>`) renders as itself, so only text with a tag goes through EJS.
  'help/util.js': [
    [
      'return ejs_1.default.render(t, context);',
      "return typeof t === 'string' && !t.includes('<%') && !t.includes('%>') ? t : ejs_1.default.render(t, context);",
    ],
    [
      'const ejs_1 = __importDefault(require("ejs"));',
      'const ejs_1 = lazyRequire(() => __importDefault(require("ejs")));',
    ],
  ],
  // Modules oclif requires at import but uses only in functions a start-up never calls (command
  // discovery without a manifest, dev plugins, spinners, templated config values) are evaluated on
  // first use instead.
  'config/config.js': [
    [
      'const ejs_1 = __importDefault(require("ejs"));',
      'const ejs_1 = lazyRequire(() => __importDefault(require("ejs")));',
    ],
  ],
  'config/plugin.js': [
    ['const tinyglobby_1 = require("tinyglobby");', 'const tinyglobby_1 = lazyRequire(() => require("tinyglobby"));'],
  ],
  'config/plugin-loader.js': [
    ['const minimatch_1 = require("minimatch");', 'const minimatch_1 = lazyRequire(() => require("minimatch"));'],
  ],
  'ux/action/spinner.js': [
    [
      'const cli_spinners_1 = __importDefault(require("cli-spinners"));',
      'const cli_spinners_1 = lazyRequire(() => __importDefault(require("cli-spinners")));',
    ],
  ],
}
// The module's exports, required on the first property read.
const LAZY_REQUIRE =
  '\nfunction lazyRequire(load) { let module; return new Proxy({}, {get: (_, key) => (module ??= load())[key]}) }\n'
// A script run by node:vm has no import() (Node 20 has it only with --experimental-vm-modules), so
// in the files that call it (oclif loading a command module, tsx in development, lilconfig) import()
// is the loader's, which the wrapper passes in.
const IMPORTS =
  /[\\/](?:@oclif[\\/]core[\\/]lib[\\/](?:module-loader|config[\\/]ts-path)\.js|lilconfig[\\/]src[\\/]index\.js)$/
const NATIVE_IMPORT = /(?<![\w$.'"`])import\((?!\))/g
const oclifPatches = {
  name: 'oclif-patches',
  setup(build) {
    build.onLoad({filter: /\.js$/}, (args) => {
      const file = args.path.replaceAll('\\', '/').split('/@oclif/core/lib/')[1]
      const importer = IMPORTS.test(args.path)
      if (!OCLIF_PATCHES[file] && !importer) return undefined
      let source = readFileSync(args.path, 'utf8')
      for (const [line, replacement] of OCLIF_PATCHES[file] ?? []) {
        if (!source.includes(line)) throw new Error(`${args.path}: "${line}" not found; update scripts/bundle.js`)
        source = source.replace(line, replacement)
      }
      if (importer) source = source.replace(NATIVE_IMPORT, '__registryctlImport(')
      return {contents: source + (source.includes('lazyRequire(') ? LAZY_REQUIRE : ''), loader: 'js'}
    })
  },
}

// oclif (CommonJS, with its dependencies) is one CommonJS file, dist/bundle/chunks/oclif.cjs, that
// the ES module bundle loads through node:vm with a V8 code cache (oclif.cjs.cache, written by
// `node scripts/bundle.js --code-cache` after a build): Node 20 caches no compiled code for modules,
// and compiling oclif is a third of its start-up. A cache V8 rejects (another Node) is only slower.
// The subpaths of @oclif/core that the sources import; the index would run all of oclif at import.
const OCLIF_SUBPATHS = [
  '@oclif/core/args',
  '@oclif/core/command',
  '@oclif/core/errors',
  '@oclif/core/execute',
  '@oclif/core/flags',
]
const OCLIF_FILE = 'dist/bundle/chunks/oclif.cjs'

if (process.argv.includes('--code-cache')) {
  // One process shows the help and runs a command (`config`, which sends no request); the loader
  // writes the cache of what that compiled when REGISTRYCTL_WRITE_CODE_CACHE names the file.
  const cache = join(root, `${OCLIF_FILE}.cache`)
  rmSync(cache, {force: true})
  const bin = pathToFileURL(join(root, 'bin/run.js')).href
  const script = `const {run} = await import(${JSON.stringify(new URL('../dist/bundle/cli.js', bin).href)}); await run(${JSON.stringify(bin)}, ['--help']); await run(${JSON.stringify(bin)}, ['config', '--json'])`
  // The builder's own settings (files, REGISTRYCTL_* variables) must not decide whether the build
  // works: the run sees an empty home and no registryctl variable.
  const home = mkdtempSync(join(tmpdir(), 'registryctl-code-cache-'))
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(?:REGISTRYCTL_|XDG_|DOCKER_CONFIG$)/.test(name)),
  )
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: {...env, HOME: home, REGISTRYCTL_WRITE_CODE_CACHE: cache},
      stdio: ['ignore', 'ignore', 'inherit'],
    })
  } catch (error) {
    rmSync(cache, {force: true})
    throw error
  } finally {
    rmSync(home, {recursive: true, force: true})
  }

  if (!existsSync(cache)) throw new Error(`${cache} was not written`)
  process.exit(0)
}

const shared = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node18.19',
  // Names stay readable in stacks (--debug) and profiles; whitespace is what costs parse time.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // oclif requires these only to run TypeScript sources in development (bin/dev.js), never from the bundle.
  external: ['typescript', 'ts-node', 'tsx', 'tsx/*'],
  logLevel: 'warning',
  metafile: true,
}

const oclifBuild = await build({
  ...shared,
  stdin: {
    contents: `module.exports = {${OCLIF_SUBPATHS.map((path) => `${JSON.stringify(path)}: require(${JSON.stringify(path)})`).join(', ')}}`,
    resolveDir: root,
    sourcefile: 'oclif-runtime.cjs',
  },
  outfile: OCLIF_FILE,
  format: 'cjs',
  plugins: [oclifPatches],
})
// V8 checks a cache against the source's length, not its content: a cache of an earlier oclif.cjs
// would run that earlier code. A new oclif.cjs has no cache until --code-cache writes one.
rmSync(join(root, `${OCLIF_FILE}.cache`), {force: true})
if (new RegExp(NATIVE_IMPORT.source).test(readFileSync(join(root, OCLIF_FILE), 'utf8').replaceAll('"import()"', '')))
  throw new Error(`${OCLIF_FILE} calls import(), which a vm script cannot; add its file to IMPORTS`)

// The loader: an ES module in the bundle's shared chunk (next to oclif.cjs), run once. Its `oclif`
// maps each subpath to its exports, and codeCache to whether V8 took the cache (a test checks it).
// REGISTRYCTL_WRITE_CODE_CACHE is for --code-cache only.
const LOADER = `
import {readFileSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import vm from 'node:vm'

const file = fileURLToPath(new URL('./oclif.cjs', import.meta.url))
function load() {
  let cachedData
  try {
    cachedData = readFileSync(file + '.cache')
  } catch {}
  const wrapped = '(function (exports, require, module, __filename, __dirname, __registryctlImport) {' + readFileSync(file, 'utf8') + '\\n})'
  const script = new vm.Script(wrapped, {filename: file, cachedData})
  const module = {exports: {}}
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), (specifier) => import(specifier))
  const write = process.env.REGISTRYCTL_WRITE_CODE_CACHE
  if (write) process.once('exit', () => writeFileSync(write, script.createCachedData()))
  return {...module.exports, codeCache: cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted'}
}
export const oclif = load()
`
// Each subpath becomes an ES module of oclif.cjs's exports, names listed from oclif itself.
const requireHere = createRequire(import.meta.url)
const oclifRuntime = {
  name: 'oclif-runtime',
  setup(build) {
    build.onResolve({filter: /^@oclif\/core(\/.*)?$/}, (args) => {
      if (!OCLIF_SUBPATHS.includes(args.path))
        throw new Error(`${args.importer}: import ${args.path} is not in OCLIF_SUBPATHS (scripts/bundle.js)`)
      return {path: args.path, namespace: 'oclif-runtime'}
    })
    build.onResolve({filter: /^oclif-runtime:loader$/}, () => ({path: 'loader', namespace: 'oclif-runtime'}))
    build.onLoad({filter: /.*/, namespace: 'oclif-runtime'}, (args) => {
      if (args.path === 'loader') return {contents: LOADER, loader: 'js', resolveDir: root}
      const names = Object.keys(requireHere(args.path)).filter((name) => name !== '__esModule' && name !== 'default')
      const contents = `import {oclif} from 'oclif-runtime:loader'\nconst m = oclif[${JSON.stringify(args.path)}]\n${names.map((name) => `export const ${name} = m.${name}`).join('\n')}\n`
      return {contents, loader: 'js', resolveDir: root}
    })
  },
}

const {metafile} = await build({
  ...shared,
  entryPoints: [
    {in: 'src/cli/main.ts', out: 'cli'},
    ...commands(join(root, 'src/commands')).map((file) => relative(root, file)),
  ],
  outbase: 'src',
  outdir: 'dist/bundle',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  format: 'esm',
  // CommonJS packages inside an ES module bundle (http2-wrapper) call require().
  banner: {
    js: "import {createRequire as __registryctlRequire} from 'node:module'; const require = __registryctlRequire(import.meta.url);",
  },
  plugins: [oclifRuntime],
})
const loaderOutput = Object.keys(metafile.outputs).find(
  (output) => metafile.outputs[output].inputs['oclif-runtime:loader'],
)
if (!loaderOutput?.startsWith('dist/bundle/chunks/'))
  throw new Error(`oclif's loader is in ${loaderOutput}, not next to ${OCLIF_FILE}`)
// What each file of the bundle is made of and imports: a test checks what each command loads.
writeFileSync(join(root, 'dist/bundle/meta.json'), JSON.stringify(metafile))
writeFileSync(join(root, 'dist/bundle/oclif-meta.json'), JSON.stringify(oclifBuild.metafile))
