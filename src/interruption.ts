/**
 * Graceful interruption for commands that change things (deletion commands, cleanup): the first
 * SIGINT or SIGTERM aborts the returned signal (the deletion engine then starts no new DELETE and
 * lets those in flight finish), the second exits at once with the same code. Shared by every command
 * that runs the deletion engine; the library only sees the AbortSignal. A record that cannot be
 * written during the run (standard output, see output.ts, or the journal) stops it the same way:
 * the outcomes that follow would go unrecorded.
 */
import {ExitCode} from './lib/errors.js'
import {describeOutputError, watchOutputFailure} from './output.js'

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
export const describeFailure = (failure: RecordFailure) => `${failure.what} failed: ${describeOutputError(failure.error)}`

export function trapInterruption(options: {onFirst?: (signal: NodeJS.Signals) => void} = {}): Interruption {
  const controller = new AbortController()
  const state: {received?: NodeJS.Signals; failure?: RecordFailure} = {}
  const handler = (signal: NodeJS.Signals) => {
    if (state.received) {
      process.stderr.write(`registryctl: ${signal} again: exiting at once; deletions in flight may or may not have happened\n`)
      // eslint-disable-next-line n/no-process-exit, unicorn/no-process-exit -- a second signal means now
      process.exit(ExitCode.INTERRUPTED)
    }

    state.received = signal
    controller.abort()
    options.onFirst?.(signal)
  }

  const fail = (what: string, error: NodeJS.ErrnoException) => {
    if (state.failure) return
    state.failure = {what, error}
    process.stderr.write(`registryctl: ${describeFailure(state.failure)}; starting no more deletions, letting those in flight finish\n`)
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
