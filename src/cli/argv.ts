/**
 * docker-registryctl's command-line habits, applied to argv before oclif sees it:
 *  - global options before the subcommand (`registryctl --debug delete-tags …`, `-d`, `-s`, and
 *    options with values such as `--ca-file PEM list-tags …`) are moved after it;
 *  - `registryctl help COMMAND` is `registryctl COMMAND --help`;
 *  - an unknown command is one line on stderr in registryctl's own style, exit 2, instead of oclif's
 *    `› Error: command … not found`.
 * The commands and which options take a value come from oclif's manifest; without one (a build that
 * has none) argv is only reordered and oclif answers unknown commands itself.
 */
import {readFileSync} from 'node:fs'

export interface CommandTable {
  /** Command ids as oclif spells them (`gc:status`). */
  ids: string[]
  /** Every option that takes a value, as `--name` and `-c`. */
  valueOptions: Set<string>
}

interface ManifestFlag {
  name: string
  char?: string
  type: 'boolean' | 'option'
  aliases?: string[]
  charAliases?: string[]
}

/** The command table from an oclif manifest (`oclif.manifest.json`), or undefined when there is none. */
export function readCommandTable(manifest: URL | string): CommandTable | undefined {
  let parsed: {commands?: Record<string, {flags?: Record<string, ManifestFlag>}>}
  try {
    parsed = JSON.parse(readFileSync(manifest, 'utf8'))
  } catch {
    return undefined
  }

  const commands = parsed.commands ?? {}
  const valueOptions = new Set<string>()
  for (const command of Object.values(commands)) {
    for (const flag of Object.values(command.flags ?? {})) {
      if (flag.type !== 'option') continue
      for (const name of [flag.name, ...(flag.aliases ?? [])]) valueOptions.add(`--${name}`)
      for (const char of [flag.char, ...(flag.charAliases ?? [])]) if (char) valueOptions.add(`-${char}`)
    }
  }

  return {ids: Object.keys(commands), valueOptions}
}

export class UnknownCommandError extends Error {}

const isOption = (arg: string) => arg.startsWith('-') && arg !== '-'

/**
 * Rewrites argv into oclif's order: command words first, then the options given before them, then
 * the rest. Throws UnknownCommandError for a command the table does not know.
 */
export function normalizeArgv(argv: string[], table?: CommandTable): string[] {
  const leading: string[] = []
  let index = 0
  while (index < argv.length && isOption(argv[index]!) && argv[index] !== '--') {
    const arg = argv[index]!
    leading.push(arg)
    index++
    if (!arg.includes('=') && table?.valueOptions.has(arg) && index < argv.length) leading.push(argv[index++]!)
  }

  let rest = argv.slice(index)
  let help = false
  if (rest[0] === 'help') {
    help = true
    rest = rest.slice(1)
  }

  if (rest.length === 0 || isOption(rest[0]!)) {
    // No command: `registryctl --help`, `--version`, `help`; oclif answers those.
    if (help) return ['--help', ...leading, ...rest]
    if (leading.length > 0 && !leading.some((arg) => /^(?:--help|-h|--version|-v)$/.test(arg)) && table) {
      throw new UnknownCommandError(
        `give a command before or after the options (${table.ids.map((id) => id.replace(':', ' ')).join(', ')}; see registryctl --help)`,
      )
    }

    return [...leading, ...rest]
  }

  // Topics: `gc status` is the id `gc:status`; take the longest run of words that names a command.
  let words = 1
  if (table) {
    words = 0
    for (let count = 1; count <= rest.length && !isOption(rest[count - 1]!); count++) {
      const id = rest.slice(0, count).join(':')
      if (table.ids.includes(id)) words = count
      else if (!table.ids.some((known) => known.startsWith(`${id}:`))) break
    }

    if (words === 0) {
      const id = rest[0]!
      const topic = table.ids.filter((known) => known.startsWith(`${id}:`))
      if (topic.length > 0) return [...rest, ...leading, ...(help ? ['--help'] : [])]
      throw new UnknownCommandError(
        `unknown command "${id}" (commands: ${table.ids.map((known) => known.replace(':', ' ')).join(', ')}; see registryctl --help)`,
      )
    }
  }

  return [...rest.slice(0, words), ...leading, ...(help ? ['--help'] : []), ...rest.slice(words)]
}

/**
 * For bin/run.js: argv in oclif's order, or the one-line error and exit code 2 for an unknown command.
 * `manifest` defaults to the package's oclif.manifest.json.
 */
export function prepareArgv(
  argv: string[],
  manifest: URL | string = new URL('../../oclif.manifest.json', import.meta.url),
): string[] {
  try {
    return normalizeArgv(argv, readCommandTable(manifest))
  } catch (error) {
    if (!(error instanceof UnknownCommandError)) throw error
    process.stderr.write(`registryctl: ${error.message}\n`)
    process.exit(2)
  }
}
