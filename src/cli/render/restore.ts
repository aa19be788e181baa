/** Rendering restores: the plan (--dry-run, --list) and one docker-registryctl-style line per tag. */
import type {RestorePlanEntry, RestoreResult} from '../../lib/restore/restore.js'
import {describeUnput} from '../../lib/restore/restore.js'
import {formatOutcome} from './deletion.js'
import {shortDigest} from './format.js'

const ACTION_LABEL = {
  put: 'RESTORE',
  'in-place': 'IN PLACE',
  lost: 'LOST',
  exists: 'EXISTS',
} as const

/** The plan, one row per tag: from which run, which image, and what a restore does with it. */
export function formatRestorePlan(
  registry: string,
  name: string,
  plan: RestorePlanEntry[],
  options: {title?: string} = {},
): string[] {
  const lines = [options.title ?? `Restore plan for ${registry}/${name}:`]
  if (plan.length === 0) return [...lines, '  nothing recorded.']
  const column = Math.max(3, ...plan.map((entry) => entry.tag.length))
  const runColumn = Math.max(3, ...plan.map((entry) => entry.run.length))
  lines.push(`  ${'TAG'.padEnd(column)}  ${'DIGEST'.padEnd(12)}  ${'RUN'.padEnd(runColumn)}  BLOBS     ACTION`)
  for (const entry of plan) {
    const blobs = entry.missing.length === 0 ? 'present' : `${entry.missing.length} gone`
    const why = describeUnput(entry)?.detail
    lines.push(
      `  ${entry.tag.padEnd(column)}  ${shortDigest(entry.image.digest)}  ${entry.run.padEnd(runColumn)}  ${blobs.padEnd(8)}  ${ACTION_LABEL[entry.action]}${why && entry.action !== 'in-place' ? ` (${why})` : ''}`,
    )
  }

  return lines
}

/** One line per tag, in the deletion report's 74-column layout. */
export function formatRestoreResult(result: RestoreResult): string[] {
  return result.outcomes.map((outcome) => formatOutcome(result.registry, result.name, outcome))
}

/** Why each tag that was not simply restored was not (stderr), then the counts. */
export function formatRestoreNotes(result: RestoreResult): string[] {
  const lines = result.outcomes
    .filter((outcome) => outcome.detail && outcome.status !== 'RESTORED')
    .map((outcome) => `${outcome.tag} [${outcome.status}] ${outcome.detail}`)
  const counts = Object.entries(result.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status.toLowerCase()}`)
  lines.push(`${counts.join(', ') || 'nothing to do'}.`)
  return lines
}
