/** Rendering cleanup plans and runs: plain lines that read well in a terminal and in journald alike. */
import type {CleanupResult} from '../../lib/cleanup/execute.js'
import {type CleanupPlan, type PlanTotals, planTotals} from '../../lib/cleanup/plan.js'
import type {TagOutcome} from '../../lib/deletion/execute.js'
import type {DeletionPlan} from '../../lib/deletion/plan.js'
import {isIndexType} from '../../lib/registry/manifests.js'
import {formatOutcome, undoNote} from './deletion.js'
import {formatBytes, shortDigest} from './format.js'

const ACTION_LABEL = {delete: 'DELETE', untag: 'UNTAG', kept: 'KEEP'} as const

export function formatTotals(totals: PlanTotals): string {
  const bytes = totals.bytes > 0 ? `, ${formatBytes(totals.bytes)}` : ''
  return (
    `Summary: delete ${totals.delete} tag(s) with ${totals.images} image(s)${bytes}, untag ${totals.untag}, keep ${totals.kept}, ` +
    `blocked ${totals.blocked}, in ${totals.repositories} repositor${totals.repositories === 1 ? 'y' : 'ies'}.`
  )
}

/** Every tag of every repository with its action, the rule that decided and why. */
export function formatCleanupPlan(plan: CleanupPlan, violations: string[] = []): string[] {
  const source = plan.policyFile ? `policy ${plan.policyFile}, ` : ''
  const lines = [
    `Cleanup plan for ${plan.registry} (${source}${plan.rules.length} rule(s): ${plan.rules.map((rule) => rule.name).join(', ')}):`,
  ]
  if (plan.repositories.length === 0) lines.push('  no repository matches any rule.')
  for (const repository of plan.repositories) {
    lines.push(`${repository.name}:`)
    if (repository.tags.length === 0) {
      lines.push('  no tags.')
      continue
    }

    const width = Math.max(3, ...repository.tags.map((entry) => entry.tag.length))
    for (const entry of repository.tags) {
      const created = (entry.created ?? '-').replace(/\.\d+Z$/, 'Z').padEnd(20)
      lines.push(
        `  ${entry.tag.padEnd(width)}  ${shortDigest(entry.digest)}  ${created}  ${ACTION_LABEL[entry.action].padEnd(6)}  ${entry.rule ?? '-'}: ${entry.reason ?? ''}`.trimEnd(),
      )
    }

    for (const digest of repository.digests) {
      if (digest.action === 'delete' && digest.mediaType && isIndexType(digest.mediaType)) {
        lines.push(
          `  note: ${shortDigest(digest.digest)} is an index: its platform manifests stay until garbage collection`,
        )
      }
    }
  }

  lines.push(formatTotals(planTotals(plan)))
  for (const violation of violations)
    lines.push(`Over the limit: ${violation}; nothing will be deleted (exit code 13).`)
  return lines
}

export function cleanupConfirmation(plan: CleanupPlan, recorded = false): string {
  const totals = planTotals(plan)
  const untag = totals.untag > 0 ? ` and remove ${totals.untag} tag name(s) keeping their images` : ''
  const touched = plan.repositories.filter((repository) =>
    repository.digests.some((digest) => digest.action !== 'blocked'),
  ).length
  return `Delete ${totals.delete} tag(s) (${totals.images} image(s))${untag} in ${touched} repositor${touched === 1 ? 'y' : 'ies'} of ${plan.registry}? ${undoNote(recorded)}`
}

/** One outcome as it happens: docker-registryctl's layout, and why when it is not DONE. */
export function formatOutcomeLine(plan: Pick<DeletionPlan, 'registry' | 'name'>, outcome: TagOutcome): string {
  return (
    formatOutcome(plan.registry, plan.name, outcome) +
    (outcome.detail && outcome.status !== 'DONE' ? `  ${outcome.detail}` : '')
  )
}

export function formatCleanupResult(result: CleanupResult): string[] {
  const lines: string[] = []
  if (result.stopped) lines.push(result.stopped.message)
  if (result.notRun.length > 0)
    lines.push(
      `Not started: ${result.notRun.join(', ')}. Run the cleanup again to finish; nothing outside the plan is deleted.`,
    )
  const counts = Object.entries(result.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status.toLowerCase()}`)
  lines.push(
    `${counts.join(', ') || 'nothing to do'} in ${result.repositories.length} repositor${result.repositories.length === 1 ? 'y' : 'ies'}.${result.counts.DONE > 0 ? " Space is freed only by the registry's garbage collection." : ''}`,
  )
  return lines
}
