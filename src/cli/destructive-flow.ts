/**
 * The one flow every destructive command (delete-tags, delete-manifest, cleanup) goes through once
 * its plan is shown: preflight → prompt → execute; the command then reports. The order is the point:
 *  - the preflight (deletes enabled, registry writable, credentials accepted wherever the plan deletes)
 *    runs before the question, and is all a --dry-run does after its plan, so a green dry run is
 *    not followed by a refused real run, and nobody answers a question the registry makes moot;
 *  - the question goes to the terminal (stderr, or /dev/tty when stdin carried a password), never
 *    to stdout, which keeps the report lines alone (`… > out.txt` still shows the question);
 *  - from the preflight on, the first SIGINT/SIGTERM stops the run gracefully; at the prompt,
 *    Ctrl-C ends it with 130 and nothing deleted.
 */
import {closeSync, openSync, statSync} from 'node:fs'
import {ReadStream, WriteStream} from 'node:tty'

import type {RegistryClient} from '../lib/registry/client.js'
import {Journal, readLastRun} from '../lib/deletion/journal.js'
import type {DeletionPlan} from '../lib/deletion/plan.js'
import {preflightPlans, writeProbes} from '../lib/deletion/preflight.js'
import {ExitCode, InterruptedError, isRegistryCtlError, RegistryCtlError} from '../lib/errors.js'
import {confirmFromStdin} from './deletion-habits.js'
import {type Interruption, trapInterruption} from './interruption.js'
import type {Recording} from './recording.js'

export class NotConfirmedError extends RegistryCtlError {
  constructor(message: string) {
    super(message, ExitCode.ABORTED)
  }
}

/** What a real run would be refused, found by the same preflight; re-thrown with that said. */
export class DryRunRefusedError extends RegistryCtlError {}

const NOTHING_DELETED = 'nothing was deleted'

/** The preflight; in a dry run, its refusal is worded as what a real run would be refused. */
async function preflight(client: RegistryClient, plans: readonly DeletionPlan[], dryRun: boolean): Promise<void> {
  try {
    await preflightPlans(client, plans)
  } catch (error) {
    if (!dryRun || !isRegistryCtlError(error)) throw error
    throw new DryRunRefusedError(`dry run: a real run would be refused: ${error.message}`, error.exitCode, {
      cause: error,
      hint: error.hint,
    })
  }
}

/**
 * A rerun tells what the last run recorded when it did not finish, and a journal that cannot be
 * written fails now, before the prompt, not after the confirmation.
 */
function checkJournal(path: string): void {
  // Only a file is read back: a pipe or a device (/dev/stderr) may block, or never end (/dev/full reads zeros).
  const previous = statSync(path, {throwIfNoEntry: false})?.isFile() ? readLastRun(path) : undefined
  if (previous && (!previous.ended || previous.interrupted)) {
    const counts =
      Object.entries(previous.counts)
        .map(([status, count]) => `${count} ${status}`)
        .join(', ') || 'no outcome'
    process.stderr.write(
      `registryctl: note: the last run in journal ${path} (${previous.start.registry}/${previous.start.name}, started ${previous.start.time}) ${previous.ended ? 'was interrupted' : 'did not finish (killed?)'} and recorded ${counts}; every tag is checked again now\n`,
    )
  }

  Journal.open(path).close()
}

/** The controlling terminal, for a question when stdin is taken (it carried the password); undefined without one. */
function openTerminal(): {input: ReadStream; output: WriteStream; close(): void} | undefined {
  let inputFd: number | undefined
  try {
    inputFd = openSync('/dev/tty', 'r')
    const input = new ReadStream(inputFd)
    const output = new WriteStream(openSync('/dev/tty', 'w'))
    return {
      input,
      output,
      close() {
        input.destroy()
        output.destroy()
      },
    }
  } catch {
    if (inputFd !== undefined) closeSync(inputFd)
    return undefined
  }
}

/** The prompt (default No) on a terminal; Ctrl-C there, or a signal, is an interruption. */
async function askOnTerminal(
  question: string,
  terminal: {input: NodeJS.ReadableStream; output: NodeJS.WritableStream},
  signal: AbortSignal,
): Promise<void> {
  const {confirm} = await import('@inquirer/prompts')
  let answer: boolean
  try {
    answer = await confirm({message: question, default: false}, {...terminal, signal})
  } catch (error) {
    // Ctrl-C in the prompt (ExitPromptError), or SIGINT/SIGTERM from elsewhere (AbortPromptError).
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError'))
      throw new InterruptedError(`interrupted at the prompt; ${NOTHING_DELETED}`)
    throw error
  }

  if (!answer) throw new NotConfirmedError(`not confirmed; ${NOTHING_DELETED}`)
}

/**
 * Confirmation, never silently: the terminal's answer when there is one; else docker-registryctl's
 * habit, the first line of a stdin that is not a terminal (`echo y | registryctl …`).
 */
async function confirmDeletion(question: string, options: {passwordStdin: boolean; signal: AbortSignal}) {
  if (process.stdin.isTTY)
    return askOnTerminal(question, {input: process.stdin, output: process.stderr}, options.signal)
  if (options.passwordStdin) {
    const terminal = openTerminal()
    if (!terminal)
      throw new NotConfirmedError(
        `refusing to delete without confirmation: stdin carried the password and there is no terminal to ask on (pass --yes to delete unattended); ${NOTHING_DELETED}`,
      )
    try {
      return await askOnTerminal(question, terminal, options.signal)
    } finally {
      terminal.close()
    }
  }

  const yes = await confirmFromStdin(question, {signal: options.signal})
  if (options.signal.aborted) throw new InterruptedError(`interrupted at the prompt; ${NOTHING_DELETED}`)
  if (!yes)
    throw new NotConfirmedError(
      `refusing to delete without confirmation: stdin is not a terminal and did not answer y (pass --yes to delete unattended); ${NOTHING_DELETED}`,
    )
}

export interface DestructiveRun {
  client: RegistryClient
  /** What will be deleted: one plan per repository (the preflight probes one repository per namespace). */
  plans: readonly DeletionPlan[]
  dryRun: boolean
  yes: boolean
  /** stdin carried a --password-stdin secret: the question is asked on /dev/tty. */
  passwordStdin?: boolean
  journal?: string
  /**
   * Where each image is recorded before its DELETE (recording.ts chooseRecording): chosen after the
   * preflight and before the prompt, so a folder that cannot take the record fails before anyone
   * confirms; undefined for --no-record.
   */
  recording?: () => Recording | undefined
  /** The question, e.g. "Delete 3 tag(s) …? Until garbage collection runs, …"; `recorded`: a recovery record is kept. */
  question: (recorded: boolean) => string
}

/**
 * Preflight → prompt → execute, after the caller has shown the plan. Undefined for a dry run (its
 * preflight passed); else what `execute` returned. `execute` gets the interruption trap, installed
 * from the preflight on (disposed when it returns): its signal stops the run, its failure says
 * whether a record (stdout, the journal) failed.
 */
export async function runDestructive<T>(
  run: DestructiveRun,
  execute: (interruption: Interruption, recording: Recording | undefined) => Promise<T>,
): Promise<T | undefined> {
  if (run.dryRun) {
    await preflight(run.client, run.plans, true)
    return undefined
  }

  const interruption = trapInterruption({
    onFirst: (signal) =>
      process.stderr.write(
        `registryctl: ${signal}: starting no more deletions, letting those in flight finish (${signal} again exits at once)\n`,
      ),
  })
  try {
    // Nothing to delete (all kept or blocked): no probe, no record, no prompt; the report still shows every tag.
    let recording: Recording | undefined
    if (writeProbes(run.plans).length > 0) {
      await preflight(run.client, run.plans, false)
      if (run.journal) checkJournal(run.journal)
      recording = run.recording?.()
      if (!run.yes)
        await confirmDeletion(run.question(recording !== undefined), {
          passwordStdin: Boolean(run.passwordStdin),
          signal: interruption.signal,
        })
    }

    return await execute(interruption, recording)
  } finally {
    interruption.dispose()
  }
}
