/**
 * Standard output (and error) that cannot be written: a full disk (ENOSPC), a reader that went away
 * (EPIPE), a device error (EIO). Node reports these as 'error' events on process.stdout, never from write().
 * oclif's own listener rethrows all but EPIPE, which ended every command in an uncaught exception,
 * and a deletion with DELETEs in flight, its outcomes unreported. Instead:
 * - while a run that changes things is under way (it holds an interruption trap), the failure stops
 *   it as a first Ctrl-C does, and the trap's owner reports on stderr;
 * - otherwise a reader that went away (EPIPE: `| head`) is no error: the rest of the output is
 *   dropped and the command ends with its own exit code (a failed smoke check still fails under
 *   pipefail); any other failure ends the process with one line on stderr and exit code 74.
 */
import {ExitCode} from '../lib/errors.js'

/** Called with what failed ("standard output" or "standard error") and why. */
type Watcher = (what: string, error: NodeJS.ErrnoException) => void

/** What a failure of each stream is called (and, for stdout, how the trap's owner tells it). */
export const STANDARD_OUTPUT = 'standard output'
const STANDARD_ERROR = 'standard error'

const failures = new Map<string, NodeJS.ErrnoException>()
const watchers = new Set<Watcher>()

/**
 * The reason in words: "ENOSPC: no space left on device, write" → "no space left on device (ENOSPC)";
 * a pipe's "write EPIPE" → "the reader closed the pipe (EPIPE)".
 */
export function describeOutputError(error: NodeJS.ErrnoException): string {
  if (error.code === 'EPIPE') return 'the reader closed the pipe (EPIPE)'
  const reason = /^[A-Z]+: (.*?)(?:, \w+)?$/.exec(error.message)?.[1] ?? error.message
  return error.code ? `${reason} (${error.code})` : reason
}

function listener(what: string): (error: NodeJS.ErrnoException) => void {
  return (error) => {
    // A destroyed stream reports every later write again: the first failure is the one that counts.
    if (failures.has(what)) return
    failures.set(what, error)
    if (watchers.size > 0) {
      for (const watcher of watchers) watcher(what, error)
      return
    }

    // Nothing can be said on a stderr that fails, and a command can still do its work without it.
    if (what === STANDARD_ERROR || error.code === 'EPIPE') return
    process.stderr.write(`registryctl: cannot write to standard output: ${describeOutputError(error)}\n`)
    // Nothing else can be said.
    process.exit(ExitCode.OUTPUT)
  }
}

/**
 * Replace oclif's listener on stdout (installed when its modules load) with the behaviour above, and
 * give stderr one: without, a stderr that fails (`2>&-` read by a pipe that closes, a full disk
 * under --debug) is an unhandled 'error' event that ends the process mid-run.
 */
export function guardStandardOutput(): void {
  for (const [stream, what] of [
    [process.stdout, STANDARD_OUTPUT],
    [process.stderr, STANDARD_ERROR],
  ] as const) {
    stream.removeAllListeners('error')
    stream.on('error', listener(what))
  }
}

/**
 * Call `watcher` instead of the behaviour above when stdout or stderr fails, until the returned
 * function is called. A failure that came before is told at once.
 */
export function watchOutputFailure(watcher: Watcher): () => void {
  const [first] = failures
  if (first) watcher(...first)
  watchers.add(watcher)
  return () => watchers.delete(watcher)
}

/**
 * Resolves once every write to stdout and stderr made so far has succeeded or failed, a failure then
 * told to the watchers. On Linux these writes are synchronous and a failure is emitted on the next
 * tick, so a run that checks for one right after its last line would otherwise miss it.
 */
export async function outputSettled(): Promise<void> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) =>
        new Promise<void>((resolve) => {
          stream.write('', () => setImmediate(resolve))
        }),
    ),
  )
}
