/**
 * Partial access, the same for every command that walks a registry (list-images, cleanup, gc status,
 * homepage with --include-restricted): each repository the credentials could not read is named on
 * stderr with the realm that refused it, the command does the rest, and exits 15 unless something
 * worse decided the exit code. A repository the command's selection or policy leaves out is never
 * read, so it is never partial.
 */
import {ExitCode} from '../lib/errors.js'
import type {UnreadableRepository} from '../lib/registry/walk.js'
import {printable} from '../lib/text.js'

/**
 * One line per repository left out. `verb` says what the command did with the others ("listed",
 * "cleaned", "checked"), so a log line says what happened to the rest too.
 */
export function formatUnreadable(unreadable: UnreadableRepository[], verb: string): string[] {
  return unreadable.map((entry) => {
    const why = entry.status === 403 ? 'access denied (403)' : 'authentication required (401)'
    const realm = entry.realm ? ` by realm "${printable(entry.realm)}"` : ''
    return `not ${verb}: ${printable(entry.name)}: ${why}${realm}; the other repositories are ${verb} (exit code ${ExitCode.LISTING_PARTIAL})`
  })
}

/** The exit code of a run that could not read every repository: 15, unless the run already failed otherwise. */
export function partialExitCode(exitCode: number, unreadable: readonly UnreadableRepository[]): number {
  return exitCode === ExitCode.OK && unreadable.length > 0 ? ExitCode.LISTING_PARTIAL : exitCode
}

/**
 * Names the unreadable repositories on stderr and sets the process's exit code to 15 when nothing
 * else has set one. Even with --silent: like an error line, it says why the run did not exit 0 (a
 * timer's log must show it); with --json the document carries them instead.
 */
export function reportUnreadable(
  unreadable: readonly UnreadableRepository[],
  verb: string,
  options: {json?: boolean} = {},
): void {
  if (unreadable.length === 0) return
  if (!options.json)
    process.stderr.write(
      formatUnreadable([...unreadable], verb)
        .map((line) => `registryctl: ${line}\n`)
        .join(''),
    )
  process.exitCode = partialExitCode(Number(process.exitCode ?? 0), unreadable)
}
