/**
 * Applying a cleanup plan: one repository after the other through the deletion executor delete-tags
 * uses (preflight, fresh listing, every tag re-resolved right before its DELETE, outcomes verified).
 * A refusal (deletes disabled, read-only, 401/403) stops the run at once: no further repository is
 * started. A stop request (a signal) lets the repository in progress finish and starts no other.
 */
import type {RegistryClient} from '../client.js'
import {type DeletionResult, executePlan, type TagStatus} from '../deletion/execute.js'
import {ExitCode, isRegistryCtlError, type RegistryCtlError} from '../errors.js'
import type {CleanupPlan} from './plan.js'

export interface CleanupResult {
  registry: string
  /** The repositories handled, in plan order. */
  repositories: DeletionResult[]
  /** Repositories with something to do that were not started (the run stopped first). */
  notRun: string[]
  counts: Record<TagStatus, number>
  stopped?: {reason: 'refused' | 'interrupted'; message: string}
  /** 0 done (blocked images included: the policy asked for it), 10 some failed, the refusal's code, 130 interrupted. */
  exitCode: number
}

export interface CleanupExecuteOptions {
  /** Checked before each repository: true stops the run there (SIGINT, SIGTERM). */
  shouldStop?: () => boolean
  /** Called when a repository is done (for lines in a log as they happen). */
  onRepository?: (result: DeletionResult, handled: number, total: number) => void
}

export const INTERRUPTED_EXIT = 130

const REFUSALS = new Set<number>([ExitCode.UNSUPPORTED, ExitCode.UNAUTHORIZED, ExitCode.DENIED])

export async function executeCleanup(client: RegistryClient, plan: CleanupPlan, options: CleanupExecuteOptions = {}): Promise<CleanupResult & {error?: RegistryCtlError}> {
  const repositories: DeletionResult[] = []
  const notRun: string[] = []
  let stopped: CleanupResult['stopped']
  let error: RegistryCtlError | undefined
  const active = plan.repositories.filter((repository) => repository.digests.some((digest) => digest.action !== 'blocked'))
  let handled = 0
  for (const repository of plan.repositories) {
    const hasWork = active.includes(repository)
    if (stopped && hasWork) {
      notRun.push(repository.name)
      continue
    }

    if (hasWork && options.shouldStop?.()) {
      stopped = {reason: 'interrupted', message: 'interrupted: no further repository was started'}
      notRun.push(repository.name)
      continue
    }

    try {
      // eslint-disable-next-line no-await-in-loop -- one repository at a time: a refusal stops the run before the next
      const result = await executePlan(client, repository)
      repositories.push(result)
      if (hasWork) options.onRepository?.(result, ++handled, active.length)
    } catch (caught) {
      if (!isRegistryCtlError(caught) || !REFUSALS.has(caught.exitCode)) throw caught
      error = caught
      stopped = {reason: 'refused', message: `stopped: ${caught.message}`}
      notRun.push(repository.name)
    }
  }

  const counts: Record<TagStatus, number> = {DONE: 0, FAIL: 0, GONE: 0, KEPT: 0, CHANGED: 0}
  for (const result of repositories) for (const [status, count] of Object.entries(result.counts)) counts[status as TagStatus] += count
  let exitCode: number = counts.FAIL > 0 ? ExitCode.PARTIAL : ExitCode.OK
  if (stopped?.reason === 'interrupted') exitCode = INTERRUPTED_EXIT
  if (error) exitCode = error.exitCode
  return {registry: plan.registry, repositories, notRun, counts, ...(stopped ? {stopped} : {}), exitCode, ...(error ? {error} : {})}
}
