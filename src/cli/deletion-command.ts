/**
 * What delete-tags and delete-manifest share: show the plan, write it (--plan-out), then the
 * destructive flow every deleting command goes through (destructive-flow.ts: preflight, prompt,
 * execute), here with a progress view on a terminal, and report one line per tag with the exit code.
 * The progress module is loaded only when used.
 */
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from './base-command.js'
import {endStoppedRun, type Interruption, isStdoutFailure, trapInterruption} from './interruption.js'
import type {RegistryClient} from '../lib/registry/client.js'
import {type DeletionResult, executePlan, type ExecuteOptions, type TagOutcome} from '../lib/deletion/execute.js'
import {writePlan} from '../lib/deletion/gather.js'
import type {DeletionPlan} from '../lib/deletion/plan.js'
import {outputSettled} from './output.js'
import {isSilent} from './quiet.js'
import {showPlan, showResult} from './deletion-habits.js'
import {type DestructiveRun, runDestructive} from './destructive-flow.js'
import {confirmationMessage, formatOutcome} from './render/deletion.js'
import {chooseRecording, openRunRecords, type Recording, recordFlags} from './recording.js'

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
  ...recordFlags,
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
    /** Where each image is recorded before its DELETE (see recording.ts); none: --no-record. */
    recording?: Recording
  } & Pick<ExecuteOptions, 'onProgress' | 'planJustListed'>,
): Promise<DeletionResult> {
  const interruption = options.interruption ?? trapInterruption({onFirst: options.onInterrupt})
  const records = openRunRecords(client, options, interruption)
  try {
    records.start(plan)
    const result = await executePlan(client, plan, {
      signal: interruption.signal,
      onProgress: options.onProgress,
      planJustListed: options.planJustListed,
      beforeDelete: records.beforeDelete,
      onOutcome(outcome) {
        records.outcome(plan, outcome)
        options.onOutcome?.(outcome)
      },
    })
    records.end(result)
    return result
  } finally {
    if (!options.interruption) interruption.dispose()
    records.close()
  }
}

type ApplyFlags = {
  yes: boolean
  'dry-run': boolean
  'plan-out'?: string
  journal?: string
  silent?: boolean
  'password-stdin'?: boolean
  plannedNow?: boolean
  record?: boolean
  'record-dir'?: string
}

export abstract class DeletionCommand extends RegistryCommand {
  /** Show the plan, then the destructive flow (preflight, prompt, execute), then the report. */
  protected async apply(
    client: RegistryClient,
    plan: DeletionPlan,
    flags: ApplyFlags,
  ): Promise<{plan: DeletionPlan; result?: DeletionResult; dryRun?: boolean}> {
    const json = this.jsonEnabled()
    if (!json) showPlan(plan, {dryRun: flags['dry-run'], silent: flags.silent})
    if (flags['plan-out']) await writePlan(flags['plan-out'], plan)
    const run: DestructiveRun = {
      client,
      plans: [plan],
      dryRun: flags['dry-run'],
      yes: flags.yes,
      passwordStdin: flags['password-stdin'],
      journal: flags.journal,
      recording: () => chooseRecording(flags, this.effectiveSettings(plan.registry)),
      question: (recorded) => confirmationMessage(plan, recorded),
    }
    const done = await runDestructive(run, async (interruption, recording) => ({
      ...(await this.execute(client, plan, flags, interruption, recording)),
      failure: interruption.failure,
    }))
    if (!done) return {plan, dryRun: true}
    const {result, streamed, failure} = done
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
      process.stderr.write(
        `registryctl: interrupted: ${result.counts.DONE} tag(s) deleted, ${result.counts.SKIPPED} not attempted ([SKIPPED]); run the same command again to continue\n`,
      )
    }

    process.exitCode = result.exitCode
    return {plan, result}
  }

  /** Run the plan: a progress view on a terminal, else each outcome's line as it happens. */
  private async execute(
    client: RegistryClient,
    plan: DeletionPlan,
    flags: ApplyFlags,
    interruption: Interruption,
    recording: Recording | undefined,
  ): Promise<{result: DeletionResult; streamed: Set<string>}> {
    const json = this.jsonEnabled()
    // Planned in this run, its listing (every tag resolved) the last thing read, and applied without a
    // prompt: that listing has just ended, and a second one would only repeat it a moment later. After
    // a prompt, dates read after the listing, or from a plan file, the executor lists again.
    const planJustListed = Boolean(flags.plannedNow && flags.yes)
    // Not on a terminal (a job's log): each outcome is written as it happens, so even kill -9 leaves
    // an accurate log; the lines not written yet (kept tags) and the summary follow at the end.
    const streamed = new Set<string>()
    let result: DeletionResult
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
                recording,
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
        recording,
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
    return {result, streamed}
  }
}
