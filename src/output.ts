/**
 * Standard output that cannot be written: a full disk (ENOSPC), a reader that went away (EPIPE), a
 * device error (EIO). Node reports these as 'error' events on process.stdout, never from write().
 * oclif's own listener rethrows all but EPIPE, which ended every command in an uncaught exception,
 * and a deletion with DELETEs in flight, its outcomes unreported. Instead:
 * - while a run that changes things is under way (it holds an interruption trap), the failure stops
 *   it as a first Ctrl-C does, and the trap's owner reports on stderr;
 * - otherwise a reader that went away (EPIPE: `| head`) is no error: the rest of the output is
 *   dropped and the command ends with its own exit code (a failed smoke check still fails under
 *   pipefail); any other failure ends the process with one line on stderr and exit code 74.
 */
import {ExitCode} from './lib/errors.js'

type Watcher = (error: NodeJS.ErrnoException) => void

let failure: NodeJS.ErrnoException | undefined
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

function onError(error: NodeJS.ErrnoException): void {
  // A destroyed stream reports every later write again: the first failure is the one that counts.
  if (failure) return
  failure = error
  if (watchers.size > 0) {
    for (const watcher of watchers) watcher(error)
    return
  }

  if (error.code === 'EPIPE') return
  process.stderr.write(`registryctl: cannot write to standard output: ${describeOutputError(error)}\n`)
  // eslint-disable-next-line n/no-process-exit, unicorn/no-process-exit -- nothing else can be said
  process.exit(ExitCode.OUTPUT)
}

/** Replace oclif's listener (installed when its modules load) with the behaviour above. */
export function guardStandardOutput(stream: NodeJS.WriteStream = process.stdout): void {
  stream.removeAllListeners('error')
  stream.on('error', onError)
}

/**
 * Call `watcher` instead of exiting when standard output fails, until the returned function is
 * called. If it has failed already, `watcher` is called at once.
 */
export function watchOutputFailure(watcher: Watcher): () => void {
  if (failure) watcher(failure)
  else watchers.add(watcher)
  return () => watchers.delete(watcher)
}

/**
 * Resolves once every write to standard output made so far has succeeded or failed, its failure
 * then told to the watchers. On Linux stdout writes are synchronous and a failure is emitted on the
 * next tick, so a run that checks for one right after its last line would otherwise miss it.
 */
export async function outputSettled(stream: NodeJS.WriteStream = process.stdout): Promise<void> {
  await new Promise<void>((resolve) => {
    stream.write('', () => setImmediate(resolve))
  })
}
