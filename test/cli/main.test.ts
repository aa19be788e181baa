import {strict as assert} from 'node:assert'
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {runCli} from '../helpers/cli.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

interface Metafile {
  outputs: Record<
    string,
    {entryPoint?: string; imports: Array<{path: string; kind: string}>; inputs: Record<string, unknown>}
  >
}

/** The source files an output of the bundle loads before it runs: its static imports, transitively. */
function loadedAtStart(meta: Metafile, output: string): Set<string> {
  const inputs = new Set<string>()
  const seen = new Set<string>()
  const visit = (path: string) => {
    if (seen.has(path) || !meta.outputs[path]) return
    seen.add(path)
    for (const input of Object.keys(meta.outputs[path].inputs)) inputs.add(input)
    for (const imported of meta.outputs[path].imports) if (imported.kind === 'import-statement') visit(imported.path)
  }

  visit(output)
  return inputs
}

describe('bundled CLI (npm run build)', () => {
  let metafile: Metafile | undefined
  const meta = () => (metafile ??= JSON.parse(readFileSync(`${ROOT}/dist/bundle/meta.json`, 'utf8')) as Metafile)
  const entry = (source: string) =>
    Object.keys(meta().outputs).find((output) => meta().outputs[output]!.entryPoint === source)!

  it('has oclif find every command through the manifest, pointing into the bundle', () => {
    const manifest = JSON.parse(readFileSync(`${ROOT}/oclif.manifest.json`, 'utf8')) as {
      commands: Record<string, {relativePath: string[]}>
    }
    const ids = Object.keys(manifest.commands)
    assert.ok(ids.includes('resolve') && ids.includes('gc:status'), ids.join(' '))
    for (const id of ids) {
      const path = manifest.commands[id]!.relativePath.join('/')
      assert.match(path, /^dist\/bundle\/commands\//, id)
      assert.ok(existsSync(`${ROOT}/${path}`), path)
    }
  })

  it('loads no prompt, progress view, YAML parser, smoke runner or gc analysis for a command that does not use them', () => {
    const heavy: Record<string, RegExp> = {
      prompts: /node_modules\/@inquirer\//,
      listr2: /node_modules\/listr2\//,
      yaml: /node_modules\/yaml\//,
      smoke: /^src\/lib\/smoke\//,
      gc: /^src\/lib\/gc\/store/,
    }
    // cleanup's work starts by reading a YAML policy.
    const allowed: Record<string, string[]> = {
      'src/commands/smoke.ts': ['yaml', 'smoke'],
      'src/commands/gc/status.ts': ['yaml', 'gc'],
      'src/commands/cleanup.ts': ['yaml'],
    }
    const commands = Object.values(meta().outputs).flatMap((output) =>
      output.entryPoint?.startsWith('src/commands/') ? [output.entryPoint] : [],
    )
    assert.ok(commands.length >= 8, commands.join(' '))
    for (const command of commands) {
      const loaded = [...loadedAtStart(meta(), entry(command))]
      for (const [name, pattern] of Object.entries(heavy)) {
        if (allowed[command]?.includes(name)) continue
        assert.deepEqual(
          loaded.filter((input) => pattern.test(input)),
          [],
          `${command} loads ${name} at start`,
        )
      }
    }

    // Commands that only read send GET and HEAD through node:http: got (writes, retries) is loaded
    // on first use, never at start.
    for (const command of [
      'list-images',
      'list-tags',
      'resolve',
      'inspect',
      'delete-tags',
      'smoke',
      'gc/status',
      'homepage',
    ]) {
      const loaded = [...loadedAtStart(meta(), entry(`src/commands/${command}.ts`))]
      assert.deepEqual(
        loaded.filter((input) => /node_modules\/got\//.test(input)),
        [],
        `${command} loads got at start`,
      )
    }

    // oclif's entry loads no command, and no HTTP client: --help needs neither.
    const cli = [...loadedAtStart(meta(), entry('src/cli/main.ts'))]
    assert.deepEqual(
      cli.filter((input) => input.startsWith('src/commands/') || /node_modules\/got\//.test(input)),
      [],
    )
  })

  it('runs oclif from one CommonJS file with a code cache V8 takes, built from its subpaths, never its index', async () => {
    // The index checks the Node version with semver at import, and runs all of oclif.
    const oclif = JSON.parse(readFileSync(`${ROOT}/dist/bundle/oclif-meta.json`, 'utf8')) as {
      inputs: Record<string, unknown>
    }
    const inputs = Object.keys(oclif.inputs)
    assert.ok(
      inputs.some((input) => input.endsWith('node_modules/@oclif/core/lib/execute.js')),
      inputs.join(' '),
    )
    assert.deepEqual(
      inputs.filter((input) => /node_modules\/(?:@oclif\/core\/lib\/index\.js|semver\/)/.test(input)),
      [],
    )
    // The ES module bundle holds no second copy of oclif: every command shares the one loaded.
    const bundled = Object.values(meta().outputs).flatMap((output) => Object.keys(output.inputs))
    assert.deepEqual(
      bundled.filter((input) => input.includes('node_modules/@oclif/')),
      [],
    )
    // The loader, as the CLI runs it (this process has V8's flags of a CLI run).
    const loader = Object.keys(meta().outputs).find((output) => meta().outputs[output]!.inputs['oclif-runtime:loader'])!
    const exports = (await import(`${ROOT}/${loader}`)) as Record<string, {codeCache?: string}>
    assert.equal(Object.values(exports).find((value) => value?.codeCache)?.codeCache, 'accepted')
  })

  it("renders every help page exactly as oclif's own Help does (the bundle's shortcut past EJS changes nothing)", async function () {
    this.timeout(60_000)
    // oclif from node_modules, unbundled and unpatched, on the same manifest.
    const {Config} = await import('@oclif/core/config')
    const {Help} = await import('@oclif/core/help')
    const config = await Config.load(ROOT)
    const subjects = [
      [],
      ...config.commandIDs.map((id) => id.split(':')),
      ...config.topics.map((topic) => topic.name.split(':')),
    ]
    assert.ok(
      subjects.some((subject) => subject.join(' ') === 'gc status') &&
        subjects.some((subject) => subject.join(' ') === 'gc'),
    )
    // Examples written as `<%= config.bin %> …` still go through EJS.
    assert.match(readFileSync(`${ROOT}/oclif.manifest.json`, 'utf8'), /<%= config\.bin %>/)
    for (const subject of subjects) {
      let expected = ''
      const write = process.stdout.write
      process.stdout.write = ((chunk: string) => {
        expected += chunk
        return true
      }) as typeof process.stdout.write
      try {
        // A pipe is 80 columns wide, as the child's stdout below. A fresh config each time: oclif's help
        // of `gc status` leaves its config without the commands of topic `gc`.
        await new Help(await Config.load(ROOT), {maxWidth: 80}).showHelp([...subject, '--help'])
      } finally {
        process.stdout.write = write
      }

      const {code, stdout} = await runCli([...subject, '--help'])
      assert.equal(code, 0, subject.join(' '))
      assert.equal(stdout, expected, subject.join(' '))
      assert.doesNotMatch(stdout, /<%|%>/, subject.join(' '))
    }
  })

  it('runs from the bundle: help lists the commands', async () => {
    const {code, stdout} = await runCli(['--help'])
    assert.equal(code, 0)
    for (const command of ['list-images', 'resolve', 'delete-tags', 'smoke'])
      assert.match(stdout, new RegExp(`\\n  ${command} `))
  })

  it('keeps the library export (dist/lib/index.js with its types)', async () => {
    assert.ok(existsSync(`${ROOT}/dist/lib/index.d.ts`))
    const library = (await import(`${ROOT}/dist/lib/index.js`)) as Record<string, unknown>
    for (const name of ['Session', 'RegistryClient', 'Inventory', 'planDeletion'])
      assert.equal(typeof library[name], 'function', name)
  })
})
