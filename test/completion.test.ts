/**
 * The bash and zsh completion the .deb installs (scripts/completion.js), generated from the built
 * oclif manifest and driven in Debian's real bash (with bash-completion) and zsh (compinit).
 */
import {strict as assert} from 'node:assert'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

// @ts-expect-error: a plain JavaScript build script, without declarations.
import {bashCompletion, zshCompletion} from '../scripts/completion.js'
// @ts-expect-error: a plain JavaScript build script, without declarations.
import {sortedCommands, visibleFlags} from '../scripts/manifest.js'
import {bashOffers, readlineWords, zshOffers} from './helpers/completion.js'
import {useTempDir} from './helpers/tmp.js'

interface ManifestFlag {
  name: string
  type: 'boolean' | 'option'
  allowNo?: boolean
  aliases?: string[]
  options?: string[]
}
interface ManifestCommand {
  id: string
  flags: Record<string, ManifestFlag>
}

const MANIFEST = fileURLToPath(new URL('../oclif.manifest.json', import.meta.url))

describe('shell completion (bash and zsh) @integration', function () {
  this.timeout(120_000)
  const dir = useTempDir('completion')
  let manifest: {commands: Record<string, ManifestCommand>}
  const bashFile = () => join(dir(), 'registryctl.bash')
  const zshFolder = () => join(dir(), 'zsh')
  // Files for file-name completion; the shells run there.
  const work = () => join(dir(), 'work')

  before(() => {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'))
    writeFileSync(bashFile(), bashCompletion(manifest))
    mkdirSync(zshFolder())
    writeFileSync(join(zshFolder(), '_registryctl'), zshCompletion(manifest))
    mkdirSync(join(work(), 'plans'), {recursive: true})
    for (const file of ['suite.yaml', 'policy.yaml', 'plan.json', 'ca.pem']) writeFileSync(join(work(), file), '')
  })

  it('splits a line into words as readline does', () => {
    assert.deepEqual(readlineWords('registryctl delete-tags registry/app:2021-* --dr'), [
      'registryctl',
      'delete-tags',
      'registry/app',
      ':',
      '2021-*',
      '--dr',
    ])
    assert.deepEqual(readlineWords('registryctl list-tags x --sort='), [
      'registryctl',
      'list-tags',
      'x',
      '--sort',
      '=',
      '',
    ])
    assert.deepEqual(readlineWords('registryctl '), ['registryctl', ''])
  })

  it('completes commands and flags in a bash without bash-completion too', () => {
    const offers = (line: string) => bashOffers(bashFile(), line, work(), {bashCompletion: false})
    assert.deepEqual(offers('registryctl gc '), ['status'])
    assert.deepEqual(offers('registryctl delete-tags registry/app:2021-* --dr'), ['--dry-run'])
    assert.deepEqual(offers('registryctl list-tags registry/app --sort '), ['created', 'name'])
  })

  const topLevel = () => [
    ...new Set([...sortedCommands(manifest).map((command: ManifestCommand) => command.id.split(':')[0]), 'help']),
  ]

  const shells: Array<[string, (line: string) => string[]]> = [
    ['bash', (line) => bashOffers(bashFile(), line, work())],
    ['zsh', (line) => zshOffers(zshFolder(), line, work())],
  ]
  for (const [shell, offers] of shells) {
    describe(shell, () => {
      it('completes the commands and topics, then the topic’s subcommands (gc status)', () => {
        assert.deepEqual(offers('registryctl '), topLevel().sort())
        assert.deepEqual(offers('registryctl list-'), ['list-images', 'list-tags'])
        assert.deepEqual(offers('registryctl gc '), ['status'])
        assert.deepEqual(offers('registryctl gc status --wr'), ['--write-probe'])
        assert.deepEqual(offers('registryctl help delete-'), ['delete-manifest', 'delete-tags'])
        assert.deepEqual(offers('registryctl help gc '), ['status'])
      })

      it('completes flags anywhere after the command, past references with `:` and file arguments', () => {
        assert.deepEqual(offers('registryctl delete-tags registry/app:2021-* --dr'), ['--dry-run'])
        assert.deepEqual(offers('registryctl smoke suite.yaml --ho'), ['--hosts'])
        assert.deepEqual(offers('registryctl list-tags registry/app --json --all'), ['--all-tags'])
      })

      it('offers the --no- form of the flags that allow one', () => {
        assert.deepEqual(offers('registryctl gc status --no-'), ['--no-cache', '--no-write-probe'])
        assert.deepEqual(offers('registryctl login registry.example --no-v'), ['--no-verify'])
      })

      it("completes --sort's choices and file names for flags whose value is a file", () => {
        assert.deepEqual(offers('registryctl list-tags registry/app --sort '), ['created', 'name'])
        assert.deepEqual(offers('registryctl list-images registry.example --sort n'), ['name'])
        assert.deepEqual(offers('registryctl list-tags registry/app --sort='), ['created', 'name'])
        assert.deepEqual(offers('registryctl delete-tags registry/app:x --plan pl'), ['plan.json', 'plans'])
        assert.deepEqual(offers('registryctl resolve registry/app:x --ca-file c'), ['ca.pem'])
        assert.deepEqual(offers('registryctl cleanup po'), ['policy.yaml'])
      })

      it('takes the flags given before the command as docker-registryctl did, values included', () => {
        assert.deepEqual(offers('registryctl --debug list-t'), ['list-tags'])
        assert.deepEqual(offers('registryctl --ca-file ca.pem list-'), ['list-images', 'list-tags'])
        assert.deepEqual(offers('registryctl --ca-file ca.pem list-tags r/app --so'), ['--sort'])
      })

      it("offers every command's visible flags, from the manifest", () => {
        for (const command of sortedCommands(manifest) as ManifestCommand[]) {
          const expected = (visibleFlags(command) as ManifestFlag[])
            .flatMap((flag) => [
              `--${flag.name}`,
              ...(flag.aliases ?? []).map((alias) => `--${alias}`),
              ...(flag.allowNo ? [`--no-${flag.name}`] : []),
            ])
            .sort()
          assert.deepEqual(offers(`registryctl ${command.id.replace(':', ' ')} argument --`), expected, command.id)
        }
      })
    })
  }
})
