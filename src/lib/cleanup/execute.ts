/**
 * Applying a cleanup plan: one repository after the other through the deletion executor delete-tags
 * uses (preflight, fresh listing, every tag re-resolved right before its DELETE, an unknown outcome
 * resolved by looking). A refusal (deletes disabled, read-only, 401/403), or a registry that keeps
 * failing, stops the run at once: no further repository is started, and what was done is reported.
 * An interruption (the AbortSignal: SIGINT, SIGTERM) starts no new DELETE; those in flight finish,
 * the rest of the repository is SKIPPED and no other is started.
 */
import type {RegistryClient} from '../registry/client.js'
import {
  type DeletionResult,
  executePlan,
  LEFT_IN_PLACE,
  type ExecuteOptions,
  summarizeOutcomes,
  type TagOutcome,
  type TagStatus,
} from '../deletion/execute.js'
import type {DeletionPlan} from '../deletion/plan.js'
import {ExitCode, isRegistryCtlError, type RegistryCtlError} from '../errors.js'
import type {CleanupPlan} from './plan.js'

export interface CleanupResult {
  registry: string
  /** The repositories handled, in plan order. */
  repositories: DeletionResult[]
  /** Repositories with something to do that were not started (the run stopped first). */
  notRun: string[]
  counts: Record<TagStatus, number>
  stopped?: {reason: 'refused' | 'failed' | 'interrupted'; message: string}
  /** 0 done (blocked images included: the policy asked for it), 10 a planned tag left in place (failed, unknown, changed), the refusal's or failure's code, 130 interrupted. */
  exitCode: number
}

export interface CleanupExecuteOptions {
  /** Once aborted, no DELETE is started; those in flight finish, and no further repository is started. */
  signal?: AbortSignal
  /** Before a repository with something to do is started (a journal's start line). */
  onRepositoryStart?: (plan: DeletionPlan) => void
  /** Each tag's outcome as soon as it is known (lines in a log, a journal), KEPT tags excepted. */
  onOutcome?: (plan: DeletionPlan, outcome: TagOutcome) => void
  /** When a repository with something to do is done. */
  onRepository?: (result: DeletionResult, handled: number, total: number) => void
  /** Right before each DELETE (the recovery record), as for delete-tags. */
  beforeDelete?: ExecuteOptions['beforeDelete']
}

const REFUSALS = new Set<number>([ExitCode.UNSUPPORTED, ExitCode.UNAUTHORIZED, ExitCode.DENIED])

export async function executeCleanup(
  client: RegistryClient,
  plan: CleanupPlan,
  options: CleanupExecuteOptions = {},
): Promise<CleanupResult & {error?: RegistryCtlError}> {
  const repositories: DeletionResult[] = []
  const notRun: string[] = []
  let stopped: CleanupResult['stopped']
  let error: RegistryCtlError | undefined
  const active = plan.repositories.filter((repository) =>
    repository.digests.some((digest) => digest.action !== 'blocked'),
  )
  let handled = 0
  for (const repository of plan.repositories) {
    const hasWork = active.includes(repository)
    if (hasWork && !stopped && options.signal?.aborted) {
      stopped = {reason: 'interrupted', message: 'interrupted: deletions in flight finished, none started after'}
    }

    if (hasWork && stopped) {
      notRun.push(repository.name)
      continue
    }

    const seen: TagOutcome[] = []
    try {
      if (hasWork) options.onRepositoryStart?.(repository)

      const result = await executePlan(client, repository, {
        signal: options.signal,
        beforeDelete: options.beforeDelete,
        onOutcome(outcome) {
          seen.push(outcome)
          options.onOutcome?.(repository, outcome)
        },
      })
      repositories.push(result)
      if (hasWork) options.onRepository?.(result, ++handled, active.length)
      if (result.interrupted)
        stopped = {reason: 'interrupted', message: 'interrupted: deletions in flight finished, none started after'}
    } catch (caught) {
      // A bug is thrown on; a refusal, or a registry that keeps failing (5xx after the retries, a
      // malformed answer), stops the run, and what was done before it still counts.
      if (!isRegistryCtlError(caught)) throw caught
      error = caught
      stopped = {reason: REFUSALS.has(caught.exitCode) ? 'refused' : 'failed', message: `stopped: ${caught.message}`}
      // What this repository did before the failure still counts; the rest of it was not run.
      if (seen.length > 0) repositories.push(summarizeOutcomes(repository, seen, []))
      else notRun.push(repository.name)
    }
  }

  const counts: Record<TagStatus, number> = {DONE: 0, FAIL: 0, GONE: 0, KEPT: 0, CHANGED: 0, UNKNOWN: 0, SKIPPED: 0}
  for (const result of repositories)
    for (const [status, count] of Object.entries(result.counts)) counts[status as TagStatus] += count
  let exitCode: number = [...LEFT_IN_PLACE].some((status) => counts[status] > 0) ? ExitCode.PARTIAL : ExitCode.OK
  if (stopped?.reason === 'interrupted') exitCode = ExitCode.INTERRUPTED
  if (error) exitCode = error.exitCode
  return {
    registry: plan.registry,
    repositories,
    notRun,
    counts,
    ...(stopped ? {stopped} : {}),
    exitCode,
    ...(error ? {error} : {}),
  }
}
