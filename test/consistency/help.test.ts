/**
 * One meaning for help, in every command: --help lists only flags the command uses, the USAGE line is
 * well-formed, and a mistyped flag gets the nearest real one suggested. Commands come from the
 * consistency table, so a new command is checked without being named here.
 */
import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'
import {COMMANDS, type CommandCase} from './commands.js'

const CONNECTION = ['insecure', 'ca-file', 'timeout', 'concurrency', 'cache', 'retries']
const CREDENTIALS = ['username', 'password-stdin']
/** Connection flags are settings too: the command that shows the settings takes them to show their effect. */
const SHOWS_SETTINGS = new Set(['config'])

/** The flags a help text lists in its tables: `-s, --silent`, `--ca-file=<value>`, `--[no-]cache`. */
function listedFlags(help: string): string[] {
  const flags: string[] = []
  for (const line of help.split('\n')) {
    const match = /^\s+(?:-\w, )?--(?:\[no-\])?([a-z][\w-]*)/.exec(line)
    if (match) flags.push(match[1]!)
  }

  return flags
}

/** The USAGE section, its wrapped lines joined. */
function usageOf(help: string): string {
  const section = /USAGE\n([\s\S]*?)\n\n/.exec(help)?.[1] ?? ''
  return section.replaceAll(/\s+/g, ' ').trim()
}

/** Flags a command of these kinds must not list. */
function unusedFlags(command: CommandCase): string[] {
  if (command.kinds.includes('local')) return [...CREDENTIALS, ...(SHOWS_SETTINGS.has(command.id) ? [] : CONNECTION)]
  // A probe's checks are not retried (smoke has its own --retry-on-timeout).
  if (command.kinds.includes('probe')) return ['retries']
  return []
}

describe('help is the same kind of thing in every command', () => {
  const helps = new Map<string, string>()
  before(async function () {
    this.timeout(120_000)
    await Promise.all(
      COMMANDS.map(async (command) => {
        const {code, stdout} = await runCli([...command.id.split(' '), '--help'])
        assert.equal(code, 0, `${command.id} --help`)
        helps.set(command.id, stdout)
      }),
    )
  })

  for (const command of COMMANDS) {
    it(`${command.id}: --help lists only flags it uses`, () => {
      const listed = listedFlags(helps.get(command.id)!)
      assert.ok(listed.includes('silent') && listed.includes('debug'), `${command.id} lists -s and -d`)
      const unused = listed.filter((flag) => unusedFlags(command).includes(flag))
      assert.deepEqual(unused, [], `${command.id} (${command.kinds.join(', ')}) lists flags it does not use`)
      if (!command.kinds.includes('local'))
        for (const flag of ['timeout', 'ca-file'])
          assert.ok(listed.includes(flag), `${command.id} connects, so it lists --${flag}`)
    })

    it(`${command.id}: the usage line is well-formed`, () => {
      const usage = usageOf(helps.get(command.id)!)
      assert.match(usage, new RegExp(`^\\$ registryctl ${command.id}\\b`))
      // No empty alternative or group, no alternative at a group's edge, brackets balanced.
      assert.doesNotMatch(usage, /\|\s*\||\[\s*\]|\(\s*\)|[[(]\s*\||\|\s*[\])]/, usage)
      let depth = 0
      for (const char of usage) {
        depth += char === '[' || char === '(' ? 1 : char === ']' || char === ')' ? -1 : 0
        assert.ok(depth >= 0, usage)
      }

      assert.equal(depth, 0, usage)
    })

    it(`${command.id}: a mistyped flag suggests the nearest one, exit 2`, async () => {
      // One of its flags mistyped: "--dry-run" → "--dryrun" is the classic; else a letter dropped.
      const listed = listedFlags(helps.get(command.id)!)
      const own =
        listed.find((flag) => flag.includes('-') && flag.length > 6) ??
        listed.reduce((longest, flag) => (flag.length > longest.length ? flag : longest))
      const middle = Math.floor(own.length / 2)
      const typo = own.includes('-') ? own.replace('-', '') : own.slice(0, middle) + own.slice(middle + 1)
      const {code, stdout, stderr} = await runCli([...command.id.split(' '), `--${typo}`])
      assert.equal(stdout, '')
      assert.equal(stderr, `registryctl: unknown flag --${typo}; did you mean --${own}?\n`)
      assert.equal(code, ExitCode.USAGE)
    })
  }
})
