/**
 * Graceful interruption for commands that change things (deletion commands, cleanup): the first
 * SIGINT or SIGTERM aborts the returned signal (the deletion engine then starts no new DELETE and
 * lets those in flight finish), the second exits at once with the same code. Shared by every command
 * that runs the deletion engine; the library only sees the AbortSignal. Standard output that fails
 * during the run (output.ts) stops it the same way: its outcomes would go unreported.
 */
import {ExitCode} from './lib/errors.js'
import {describeOutputError, watchOutputFailure} from './output.js'

export interface Interruption {
  signal: AbortSignal
  /** Which signal arrived first, if any. */
  readonly received?: NodeJS.Signals
  /** Standard output failed during the run; the run stopped as on a first signal. */
  readonly outputError?: NodeJS.ErrnoException
  /** Remove the handlers (the process then reacts to signals as before). */
  dispose(): void
}

export function trapInterruption(options: {onFirst?: (signal: NodeJS.Signals) => void} = {}): Interruption {
  const controller = new AbortController()
  const state: {received?: NodeJS.Signals; outputError?: NodeJS.ErrnoException} = {}
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

  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']
  for (const signal of signals) process.on(signal, handler)
  const stopWatching = watchOutputFailure((error) => {
    state.outputError = error
    process.stderr.write(`registryctl: cannot write to standard output: ${describeOutputError(error)}; starting no more deletions, letting those in flight finish\n`)
    controller.abort()
  })
  return {
    signal: controller.signal,
    get received() {
      return state.received
    },
    get outputError() {
      return state.outputError
    },
    dispose() {
      for (const signal of signals) process.off(signal, handler)
      stopWatching()
    },
  }
}
