/**
 * What delete-tags and delete-manifest share: show the plan, write it (--plan-out), stop there
 * (--dry-run), confirm (a prompt defaulting to No on a terminal; --yes otherwise, never silently),
 * apply it with a progress view on a terminal, and report one line per tag with the exit code.
 * Prompt and progress modules are loaded only here, and only when used.
 */
import {statSync} from 'node:fs'

import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from './base-command.js'
import {endStoppedRun, type Interruption, isStdoutFailure, trapInterruption} from './interruption.js'
import type {RegistryClient} from '../lib/registry/client.js'
import {type DeletionResult, executePlan, type ExecuteOptions, type TagOutcome} from '../lib/deletion/execute.js'
import {writePlan} from '../lib/deletion/gather.js'
import {Journal, readLastRun} from '../lib/deletion/journal.js'
import type {DeletionPlan} from '../lib/deletion/plan.js'
import {ExitCode, RegistryCtlError} from '../lib/errors.js'
import {outputSettled} from './output.js'
import {isSilent} from './quiet.js'
import {confirmFromStdin, dryRunPreflight, showPlan, showResult} from './deletion-habits.js'
import {confirmationMessage, formatOutcome} from './render/deletion.js'

export class NotConfirmedError extends RegistryCtlError {
  constructor(message: string) {
    super(message, ExitCode.ABORTED)
  }
}

export const deletionFlags = {
  yes: Flags.boolean({
    char: 'y',
    aliases: ['force'],
    charAliases: ['f'],
    description: 'Do not ask for confirmation. --force and -f are the same.',
  }),
  'dry-run': Flags.boolean({description: 'Show the plan and run the checks a real run runs; delete nothing.'}),
  'plan-out': Flags.string({
    description: 'Write the plan as JSON to this file (for review; apply it with delete-tags --plan).',
  }),
  journal: Flags.string({
    description:
      'Append each outcome to this file as it happens (JSON lines), so an interrupted or killed run leaves a record.',
  }),
}

/**
 * A terminal that reports no size (`script`, some `ssh -t` and CI pseudo-terminals) has 0 columns and
 * 0 rows: listr2 then wraps its view to one character per line, and log-update cuts every frame to
 * nothing, so the view shows nothing until the end. Such a terminal is taken as $COLUMNS x $LINES,
 * else 80 x 24 (the progress line's width too).
 */
export function assumeTerminalSize(
  stream: {columns: number; rows: number},
  env: NodeJS.ProcessEnv = process.env,
): void {
  const given = (value: string | undefined, least: number) =>
    Number.isInteger(Number(value)) && Number(value) >= least ? Number(value) : undefined
  if (!stream.columns) stream.columns = given(env.COLUMNS, 20) ?? 80
  if (!stream.rows) stream.rows = given(env.LINES, 2) ?? 24
}

/**
 * Run a plan with what every destructive command needs around the engine: the first SIGINT/SIGTERM
 * stops new DELETEs (a second exits at once), each outcome goes to the journal and to `onOutcome` as
 * it happens. Shared by the deletion commands and any command that applies plans (cleanup).
 */
export async function runPlanSafely(
  client: RegistryClient,
  plan: DeletionPlan,
  options: {
    journal?: string
    onOutcome?: (outcome: TagOutcome) => void
    onInterrupt?: (signal: NodeJS.Signals) => void
    /** An interruption trap the caller installed earlier (e.g. before its prompt); else one for the run. */
    interruption?: Interruption
  } & Pick<ExecuteOptions, 'onProgress' | 'planJustListed'>,
): Promise<DeletionResult> {
  const interruption = options.interruption ?? trapInterruption({onFirst: options.onInterrupt})
  // A journal that cannot be written (a full disk) stops the run: later outcomes would go unrecorded.
  const journal = options.journal
    ? Journal.open(options.journal, {onError: (error) => interruption.fail(`journal ${options.journal}`, error)})
    : undefined
  try {
    journal?.start(plan)
    const result = await executePlan(client, plan, {
      signal: interruption.signal,
      onProgress: options.onProgress,
      planJustListed: options.planJustListed,
      onOutcome(outcome) {
        journal?.outcome(plan, outcome)
        options.onOutcome?.(outcome)
      },
    })
    journal?.end(result)
    return result
  } finally {
    if (!options.interruption) interruption.dispose()
    journal?.close()
  }
}

export abstract class DeletionCommand extends RegistryCommand {
  protected async apply(
    client: RegistryClient,
    plan: DeletionPlan,
    flags: {
      yes: boolean
      'dry-run': boolean
      'plan-out'?: string
      journal?: string
      silent?: boolean
      plannedNow?: boolean
    },
  ): Promise<{plan: DeletionPlan; result?: DeletionResult; dryRun?: boolean}> {
    // From the moment the plan is shown, a signal stops the run gracefully: a deletion that has not
    // started yet then sends nothing, and reports every tag as not attempted.
    const onInterrupt = (signal: NodeJS.Signals) =>
      process.stderr.write(
        `registryctl: ${signal}: starting no more deletions, letting those in flight finish (${signal} again exits at once)\n`,
      )
    const interruption = trapInterruption({onFirst: onInterrupt})
    try {
      return await this.applyTrapped(client, plan, flags, interruption)
    } finally {
      interruption.dispose()
    }
  }

  private async applyTrapped(
    client: RegistryClient,
    plan: DeletionPlan,
    flags: {
      yes: boolean
      'dry-run': boolean
      'plan-out'?: string
      journal?: string
      silent?: boolean
      plannedNow?: boolean
    },
    interruption: Interruption,
  ): Promise<{plan: DeletionPlan; result?: DeletionResult; dryRun?: boolean}> {
    const json = this.jsonEnabled()
    if (!json) showPlan(plan, {dryRun: flags['dry-run'], silent: flags.silent})
    if (flags['plan-out']) await writePlan(flags['plan-out'], plan)
    if (flags['dry-run']) {
      await dryRunPreflight(client, plan)
      return {plan, dryRun: true}
    }

    // Nothing to delete (all kept or blocked): no prompt, no request; the report still shows every tag.
    const destructive = plan.digests.some((digest) => digest.action !== 'blocked')
    if (destructive && flags.journal) {
      // A rerun tells what the last run recorded when it did not finish.
      // Only a file is read back: a pipe or a device (/dev/stderr) may block, or never end (/dev/full reads zeros).
      const previous = statSync(flags.journal, {throwIfNoEntry: false})?.isFile()
        ? readLastRun(flags.journal)
        : undefined
      if (previous && (!previous.ended || previous.interrupted)) {
        const counts =
          Object.entries(previous.counts)
            .map(([status, count]) => `${count} ${status}`)
            .join(', ') || 'no outcome'
        process.stderr.write(
          `registryctl: note: the last run in journal ${flags.journal} (${previous.start.registry}/${previous.start.name}, started ${previous.start.time}) ${previous.ended ? 'was interrupted' : 'did not finish (killed?)'} and recorded ${counts}; every tag is checked again now\n`,
        )
      }

      // A journal that cannot be written fails now, before the prompt, not after the confirmation.
      Journal.open(flags.journal).close()
    }
    if (destructive) await this.confirm(plan, flags.yes)
    // Planned in this run, its listing (every tag resolved) the last thing read, and applied without a
    // prompt: that listing has just ended, and a second one would only repeat it a moment later. After
    // a prompt, dates read after the listing, or from a plan file, the executor lists again.
    const planJustListed = Boolean(flags.plannedNow && flags.yes)
    let result: DeletionResult
    // Not on a terminal (a job's log): each outcome is written as it happens, so even kill -9 leaves
    // an accurate log; the lines not written yet (kept tags) and the summary follow at the end.
    const streamed = new Set<string>()
    // The progress view is not a result: -s leaves the report lines only (quiet.ts).
    if (process.stdout.isTTY && !json && !isSilent() && plan.digests.length > 1) {
      const {Listr} = await import('listr2')
      assumeTerminalSize(process.stdout)
      let done: DeletionResult | undefined
      await new Listr(
        [
          {
            title: `Deleting from ${plan.registry}/${plan.name}`,
            task: async (_context, task) => {
              done = await runPlanSafely(client, plan, {
                journal: flags.journal,
                interruption,
                planJustListed,
                onProgress: (handled, total) => (task.output = `${handled}/${total} images handled`),
              })
            },
          },
        ],
        {exitOnError: true, registerSignalListeners: false, rendererOptions: {collapseSubtasks: false}},
      ).run()
      result = done!
    } else {
      const stream = !json && !process.stdout.isTTY
      result = await runPlanSafely(client, plan, {
        journal: flags.journal,
        interruption,
        planJustListed,
        onOutcome: (outcome) => {
          if (!stream) return
          streamed.add(outcome.tag)
          this.log(formatOutcome(plan.registry, plan.name, outcome))
        },
      })
    }

    await outputSettled()
    const {failure} = interruption
    if (failure) {
      if (isStdoutFailure(failure)) showResult(result, plan, {reportTo: process.stderr})
      else if (!json) showResult(result, plan, {silent: flags.silent, streamed})
      endStoppedRun(
        failure,
        `${result.counts.DONE} tag(s) deleted, ${result.counts.SKIPPED} not attempted ([SKIPPED])`,
        {json, outcomes: "every tag's outcome"},
      )
      return {plan, result}
    }

    if (!json) showResult(result, plan, {silent: flags.silent, streamed})
    if (result.interrupted) {
      const done = result.counts.DONE
      const skipped = result.counts.SKIPPED
      process.stderr.write(
        `registryctl: interrupted: ${done} tag(s) deleted, ${skipped} not attempted ([SKIPPED]); run the same command again to continue\n`,
      )
    }

    process.exitCode = result.exitCode
    return {plan, result}
  }

  private async confirm(plan: DeletionPlan, yes: boolean): Promise<void> {
    if (yes) return
    if (!process.stdin.isTTY) {
      if (await confirmFromStdin(confirmationMessage(plan))) return
      throw new NotConfirmedError(
        'refusing to delete without confirmation: stdin is not a terminal and did not answer y (pass --yes to delete unattended); nothing was deleted',
      )
    }

    const {confirm} = await import('@inquirer/prompts')
    const answer = await confirm({message: confirmationMessage(plan), default: false}).catch(() => false)
    if (!answer) throw new NotConfirmedError('not confirmed; nothing was deleted')
  }
}
