import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../cli/base-command.js'
import {isSilent} from '../cli/quiet.js'
import {type DestructiveRun, runDestructive} from '../cli/destructive-flow.js'
import {endStoppedRun, isStdoutFailure} from '../cli/interruption.js'
import {type CleanupResult, executeCleanup} from '../lib/cleanup/execute.js'
import {gatherCleanupPlan, readCleanupPlan, writeCleanupPlan} from '../lib/cleanup/gather.js'
import {acquireLock, type CleanupLock} from '../lib/cleanup/lock.js'
import {collectMetrics, writeMetricsFile} from '../lib/cleanup/metrics.js'
import {type CleanupPlan, limitViolations, type PlanTotals, planTotals} from '../lib/cleanup/plan.js'
import type {ResolvedRule} from '../lib/cleanup/policy.js'
import {ExitCode, InterruptedError, RegistryCtlError, UsageError} from '../lib/errors.js'
import {parseRegistry} from '../lib/registry/reference.js'
import {outputSettled} from '../cli/output.js'
import {partialExitCode, reportUnreadable} from '../cli/partial-access.js'
import {chooseRecording, openRunRecords, recordFlags} from '../cli/recording.js'
import {cleanupConfirmation, formatCleanupPlan, formatCleanupResult, formatOutcomeLine} from '../cli/render/cleanup.js'

export class OverLimitError extends RegistryCtlError {
  constructor(violations: string[]) {
    super(`${violations.join('; ')}: nothing was deleted`, ExitCode.OVER_LIMIT, {
      hint: "review the plan with --dry-run; raise --max-delete or the rule's max-delete if it is right",
    })
  }
}

interface CleanupOutput {
  registry: string
  plan: CleanupPlan
  totals: PlanTotals
  violations: string[]
  dryRun?: boolean
  result?: Omit<CleanupResult, 'repositories'> & {
    repositories: Array<{
      name: string
      counts: CleanupResult['counts']
      tags: CleanupResult['repositories'][number]['tags']
    }>
  }
}

export default class Cleanup extends RegistryCommand {
  static override summary = 'Apply a cleanup policy to a whole registry: one reviewed plan, safe from a timer.'
  static override description = `The policy's rules select repositories and tags by glob, keep the N newest, delete only images older than a duration and protect tags; a tag is deleted only when some rule selects it and no rule keeps or protects it. Every tag of the plan carries the rule and the reason that keeps or deletes it. Images are deleted as delete-tags deletes them: siblings blocked, untagged or included as each rule says, every tag re-resolved right before its DELETE.

A second cleanup of the same registry on the same host refuses to start (exit 14) unless --lock-wait. A refusal by the registry (deletes disabled, read-only, 401/403) stops the run at once; SIGINT/SIGTERM start no new DELETE, let those in flight finish and start no other repository (exit 130). Running the same policy again finishes the job. Images kept only because a sibling blocks them are reported (and counted in the metrics), not an error. A covered repository the credentials cannot read (401/403) is named with its realm and the rest is cleaned: exit 15 (exclude-repositories leaves it out).`

  static override examples = [
    '<%= config.bin %> cleanup nightly.yaml --dry-run',
    '<%= config.bin %> cleanup nightly.yaml --dry-run --plan-out plan.json && <%= config.bin %> cleanup --plan plan.json',
    '<%= config.bin %> cleanup /etc/registryctl/cleanup.yaml --yes --max-delete 2000 --metrics-file /var/lib/node_exporter/registryctl.prom',
  ]

  static override args = {
    policy: Args.string({description: 'The policy file (YAML). Optional with --plan.'}),
  }

  static override flags = {
    registry: Flags.string({description: "The registry host[:port] (overrides the policy's registry)."}),
    yes: Flags.boolean({
      char: 'y',
      aliases: ['force'],
      description: 'Do not ask for confirmation (else a prompt on the terminal, or a y line on stdin).',
    }),
    'dry-run': Flags.boolean({
      description:
        'Show the plan and run the checks a real run runs before its prompt (deletes enabled, writes and credentials accepted); delete nothing.',
    }),
    'plan-out': Flags.string({description: 'Write the plan as JSON to this file (apply it with --plan after review).'}),
    plan: Flags.string({description: 'Apply a plan written by --plan-out, re-verifying every tag.'}),
    'max-delete': Flags.integer({
      min: 0,
      description:
        "Delete nothing, exit 13, when the plan removes more tags than this (overrides the policy's max-delete).",
    }),
    'metrics-file': Flags.string({
      description: 'Write Prometheus textfile-collector metrics here (replaced atomically).',
    }),
    'lock-dir': Flags.string({
      description:
        'Folder of the per-registry lock file, created if missing (default /run/lock, else the temp folder).',
    }),
    journal: Flags.string({
      description:
        'Append each outcome to this file as it happens (JSON lines, as delete-tags --journal), so an interrupted or killed run leaves a record.',
    }),
    'lock-wait': Flags.integer({
      min: 0,
      default: 0,
      description: 'Seconds to wait for another cleanup of the same registry (default: refuse at once, exit 14).',
    }),
    ...recordFlags,
  }

  async run(): Promise<CleanupOutput> {
    const {args, flags} = await this.parse(Cleanup)
    const started = Date.now()
    const json = this.jsonEnabled()
    // Everything that can be wrong with the input is found before the first request.
    let reviewed: CleanupPlan | undefined
    let rules: ResolvedRule[]
    let registry: string
    let maxDelete = flags['max-delete']
    let policyFile: string | undefined
    if (flags.plan) {
      if (args.policy) throw new UsageError('give a policy or --plan FILE, not both')
      reviewed = await readCleanupPlan(flags.plan)
      if (flags.registry && parseRegistry(flags.registry).host !== reviewed.registry)
        throw new UsageError(`the plan is for ${reviewed.registry}, not ${flags.registry}`)
      registry = flags.registry ?? reviewed.registry
      rules = reviewed.rules
      maxDelete ??= reviewed.maxDelete
    } else {
      if (!args.policy) throw new UsageError('give the policy file, or --plan FILE')
      policyFile = args.policy
      // The YAML parser and the schema validator load only when a policy is read (not for --help or --plan).
      const {readPolicy, resolveRules} = await import('../lib/cleanup/policy.js')
      const policy = await readPolicy(args.policy)
      rules = resolveRules(policy)
      maxDelete ??= policy['max-delete']
      const given = flags.registry ?? policy.registry
      if (!given) throw new UsageError(`no registry: add "registry:" to ${args.policy} or pass --registry`)
      registry = given
    }

    const address = parseRegistry(registry)
    // The registry's own settings (CA, timeouts, credentials) apply, as for every command.
    const session = await this.buildSession(flags, address.host)
    const client = session.client(address)
    const progress =
      process.stderr.isTTY && !json && !isSilent()
        ? (text: string) => process.stderr.write(`\r${text}\u001B[K`)
        : undefined
    let lock: CleanupLock | undefined
    let plan: CleanupPlan | undefined
    let result: (CleanupResult & {error?: RegistryCtlError}) | undefined
    let exitCode: number = ExitCode.OK
    try {
      // A dry run changes nothing: it needs no lock. A real run takes it before planning, so a run that
      // waited plans from what the other one left.
      if (!flags['dry-run'])
        lock = await acquireLock(address.host, {dir: flags['lock-dir'], waitSeconds: flags['lock-wait']})
      if (reviewed) {
        plan = {...reviewed, ...(maxDelete === undefined ? {} : {maxDelete})}
      } else {
        plan = await gatherCleanupPlan(client, rules, {
          policyFile,
          maxDelete,
          sizes: Boolean(flags['metrics-file']) || json,
          onProgress: progress ? (done, total) => progress(`planning: ${done}/${total} repositories read`) : undefined,
        })
        progress?.('')
      }

      const violations = limitViolations(plan, maxDelete)
      const output: CleanupOutput = {registry: address.host, plan, totals: planTotals(plan), violations}
      // --silent: the plan only when it is the answer (--dry-run); outcome lines and errors always.
      if (!json && (!flags.silent || flags['dry-run'])) this.log(formatCleanupPlan(plan, violations).join('\n'))
      // Covered repositories the credentials cannot read: named with their realm, the rest cleaned, exit 15.
      const unreadable = plan.unreadable ?? []
      reportUnreadable(unreadable, flags['dry-run'] ? 'planned' : 'cleaned', {json})
      if (flags['plan-out']) await writeCleanupPlan(flags['plan-out'], plan)
      if (violations.length > 0) {
        if (flags['dry-run']) {
          exitCode = ExitCode.OVER_LIMIT
          process.exitCode = exitCode
          return {...output, dryRun: true}
        }

        throw new OverLimitError(violations)
      }

      // Off a terminal (a job's log) and on one alike, each outcome is a line as it happens, so even
      // kill -9 leaves an accurate log; the journal (--journal) records the same as JSON lines.
      // What stdout was given, for stderr if stdout fails (which of these lines reached it is unknown).
      const reported: string[] = []
      const applying = plan
      const run: DestructiveRun = {
        client,
        plans: plan.repositories,
        dryRun: flags['dry-run'],
        yes: flags.yes,
        passwordStdin: flags['password-stdin'],
        journal: flags.journal,
        recording: () => chooseRecording(flags, this.effectiveSettings(applying.registry)),
        question: (recorded) => cleanupConfirmation(applying, recorded),
      }
      const applied = await runDestructive(run, async (interruption, recording) => {
        const records = openRunRecords(client, {recording, journal: flags.journal}, interruption)
        try {
          const executed = await executeCleanup(client, applying, {
            signal: interruption.signal,
            beforeDelete: records.beforeDelete,
            onRepositoryStart: (repository) => records.start(repository),
            onOutcome: (repository, outcome) => {
              records.outcome(repository, outcome)
              if (json) return
              progress?.('')
              const line = formatOutcomeLine(repository, outcome)
              reported.push(line)
              this.log(line)
            },
            onRepository: (repositoryResult, handled, total) => {
              records.end(repositoryResult)
              progress?.(`deleting: ${handled}/${total} repositories done`)
            },
          })
          // A failed write of the last outcome lines still reaches the trap, not the process-wide guard.
          await outputSettled()
          return {executed, failure: interruption.failure}
        } finally {
          records.close()
          progress?.('')
        }
      })
      if (!applied) {
        exitCode = partialExitCode(exitCode, unreadable)
        return {...output, dryRun: true}
      }
      result = applied.executed
      const {failure} = applied
      if (failure && isStdoutFailure(failure))
        process.stderr.write(`${[...reported, ...formatCleanupResult(result)].join('\n')}\n`)
      else if (!json && !flags.silent) this.log(formatCleanupResult(result).join('\n'))
      exitCode = partialExitCode(result.exitCode, unreadable)
      const {error, repositories, ...rest} = result
      output.result = {
        ...rest,
        repositories: repositories.map((repository) => ({
          name: repository.name,
          counts: repository.counts,
          tags: repository.tags,
        })),
      }
      const done = `${result.counts.DONE} tag(s) deleted, ${result.counts.SKIPPED} not attempted ([SKIPPED]), ${result.notRun.length} repositor${result.notRun.length === 1 ? 'y' : 'ies'} not started`
      if (failure) {
        // The run stopped because its record failed: that, not the interruption it caused, is the error.
        endStoppedRun(failure, done, {json, outcomes: 'every outcome'})
        exitCode = ExitCode.OUTPUT
        return output
      }

      if (error) throw error
      if (result.stopped?.reason === 'interrupted')
        throw new InterruptedError(`interrupted: ${done}; run the cleanup again to finish`)
      process.exitCode = exitCode
      return output
    } catch (error) {
      if (error instanceof RegistryCtlError) exitCode = error.exitCode
      else exitCode = ExitCode.INTERNAL
      throw error
    } finally {
      // Only the run that holds the lock writes metrics: a refused second run must not replace the first one's.
      if (flags['metrics-file'] && lock) {
        await writeMetricsFile(flags['metrics-file'], {
          registry: address.host,
          repositories: plan ? collectMetrics(plan, result?.repositories ?? []) : new Map(),
          unreadableRepositories: plan?.unreadable?.length ?? 0,
          durationSeconds: (Date.now() - started) / 1000,
          exitCode,
          finishedAt: Math.floor(Date.now() / 1000),
          success: exitCode === ExitCode.OK,
        }).catch((error: Error) => {
          // The run's own outcome (and its error, if any) stays what it was; the job still fails.
          process.stderr.write(`registryctl: cannot write metrics ${flags['metrics-file']}: ${error.message}\n`)
          if (!process.exitCode) process.exitCode = ExitCode.USAGE
        })
      }

      await lock?.release()
    }
  }
}
