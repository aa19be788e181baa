/**
 * Graceful interruption for commands that change things (deletion commands, cleanup): the first
 * SIGINT or SIGTERM aborts the returned signal (the deletion engine then starts no new DELETE and
 * lets those in flight finish), the second exits at once with the same code. Shared by every command
 * that runs the deletion engine; the library only sees the AbortSignal. A record that cannot be
 * written during the run (standard output, see output.ts, or the journal) stops it the same way:
 * the outcomes that follow would go unrecorded.
 */
import {ExitCode, OutputError} from '../lib/errors.js'
import {describeOutputError, STANDARD_OUTPUT, watchOutputFailure} from './output.js'

/** What could not be written, and why. */
export interface RecordFailure {
  /** "standard output", "standard error", or "journal PATH". */
  what: string
  error: NodeJS.ErrnoException
}

export interface Interruption {
  signal: AbortSignal
  /** Which signal arrived first, if any. */
  readonly received?: NodeJS.Signals
  /** The first record that could not be written during the run; the run stopped as on a first signal. */
  readonly failure?: RecordFailure
  /** Stop the run because `what` could not be written (said once on stderr). */
  fail(what: string, error: NodeJS.ErrnoException): void
  /** Remove the handlers (the process then reacts to signals as before). */
  dispose(): void
}

/** "journal /var/log/x.jsonl failed: no space left on device (ENOSPC)". */
export const describeFailure = (failure: RecordFailure) =>
  `${failure.what} failed: ${describeOutputError(failure.error)}`

/** Which lines reached a failed stdout is unknown: its report then goes to stderr, whole. */
export const isStdoutFailure = (failure: RecordFailure) => failure.what === STANDARD_OUTPUT

/**
 * End a run its failed record stopped, with one line: what failed, what was done (`summary`), and
 * where `outcomes` are. Thrown (exit 74), except with --json and stdout intact: then said on stderr
 * with exit code 74 set, and the caller still returns its result for the JSON.
 */
export function endStoppedRun(
  failure: RecordFailure,
  summary: string,
  options: {json: boolean; outcomes: string},
): void {
  const stdoutFailed = isStdoutFailure(failure)
  const where = stdoutFailed ? 'above' : options.json ? 'in the JSON' : 'on stdout'
  const message = `${describeFailure(failure)}; ${summary}; ${options.outcomes} is ${where}`
  if (!options.json || stdoutFailed) throw new OutputError(message, {cause: failure.error})
  process.stderr.write(`registryctl: ${message}\n`)
  process.exitCode = ExitCode.OUTPUT
}

export function trapInterruption(options: {onFirst?: (signal: NodeJS.Signals) => void} = {}): Interruption {
  const controller = new AbortController()
  const state: {received?: NodeJS.Signals; failure?: RecordFailure} = {}
  const handler = (signal: NodeJS.Signals) => {
    if (state.received) {
      process.stderr.write(
        `registryctl: ${signal} again: exiting at once; deletions in flight may or may not have happened\n`,
      )
      // A second signal means now.
      process.exit(ExitCode.INTERRUPTED)
    }

    state.received = signal
    controller.abort()
    options.onFirst?.(signal)
  }

  const fail = (what: string, error: NodeJS.ErrnoException) => {
    if (state.failure) return
    state.failure = {what, error}
    process.stderr.write(
      `registryctl: ${describeFailure(state.failure)}; starting no more deletions, letting those in flight finish\n`,
    )
    controller.abort()
  }

  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']
  for (const signal of signals) process.on(signal, handler)
  const stopWatching = watchOutputFailure(fail)
  return {
    signal: controller.signal,
    get received() {
      return state.received
    },
    get failure() {
      return state.failure
    },
    fail,
    dispose() {
      for (const signal of signals) process.off(signal, handler)
      stopWatching()
    },
  }
}
