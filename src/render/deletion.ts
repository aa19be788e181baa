/** Rendering deletion plans and outcomes: the plan table, the prompt text, docker-registryctl's lines. */
import type {DeletionResult, TagOutcome} from '../lib/deletion/execute.js'
import type {DeletionPlan} from '../lib/deletion/plan.js'
import {isIndexType} from '../lib/manifests.js'
import {shortDigest} from './format.js'

const ACTION_LABEL = {delete: 'DELETE', untag: 'UNTAG', kept: 'KEEP'} as const

export function planSummary(plan: DeletionPlan): {deleteTags: number; untagTags: number; kept: number; images: number; siblingsIncluded: string[]} {
  return {
    deleteTags: plan.tags.filter((entry) => entry.action === 'delete').length,
    untagTags: plan.tags.filter((entry) => entry.action === 'untag').length,
    kept: plan.tags.filter((entry) => entry.action === 'kept').length,
    images: plan.digests.filter((digest) => digest.action === 'delete').length,
    siblingsIncluded: plan.tags.filter((entry) => entry.action === 'delete' && !entry.selected).map((entry) => entry.tag),
  }
}

export function formatPlan(plan: DeletionPlan): string[] {
  const lines = [`Plan for ${plan.registry}/${plan.name} (${plan.pattern.includes(':') ? `digest ${plan.pattern}` : `tags matching '${plan.pattern}'`}, siblings: ${plan.policy}):`]
  if (plan.tags.length === 0 && plan.digests.length === 0) return [...lines, `  no tag matches '${plan.pattern}'.`]
  const width = Math.max(3, ...plan.tags.map((entry) => entry.tag.length))
  lines.push(`  ${'TAG'.padEnd(width)}  ${'DIGEST'.padEnd(12)}  ${'CREATED'.padEnd(20)}  ACTION`)
  for (const entry of plan.tags) {
    const created = (entry.created ?? 'unknown').replace(/\.\d+Z$/, 'Z').padEnd(20)
    const reason = entry.reason ? ` (${entry.reason})` : ''
    lines.push(`  ${entry.tag.padEnd(width)}  ${shortDigest(entry.digest)}  ${created}  ${ACTION_LABEL[entry.action]}${reason}`)
  }

  for (const digest of plan.digests) {
    if (digest.action === 'delete' && digest.mediaType && isIndexType(digest.mediaType)) {
      lines.push(`  note: ${shortDigest(digest.digest)} is an index: its platform manifests stay until garbage collection`)
    }

    if (digest.action === 'delete' && digest.tags.length === 0) lines.push(`  note: ${shortDigest(digest.digest)} has no tags`)
  }

  const summary = planSummary(plan)
  lines.push(
    `Summary: delete ${summary.deleteTags} tag(s) with ${summary.images} image(s), untag ${summary.untagTags}, keep ${summary.kept}.` +
      (summary.siblingsIncluded.length > 0 ? ` Not selected but deleted with their image: ${summary.siblingsIncluded.join(', ')}.` : ''),
  )
  if (plan.blocked) lines.push('Blocked: images still tagged by unselected tags are not deleted (exit code 12).')
  return lines
}

export function confirmationMessage(plan: DeletionPlan): string {
  const summary = planSummary(plan)
  const parts = [`Delete ${summary.deleteTags} tag(s) (${summary.images} image(s))`]
  if (summary.untagTags > 0) parts.push(`remove ${summary.untagTags} tag name(s) keeping their images`)
  const siblings = summary.siblingsIncluded.length > 0 ? `, including unselected ${summary.siblingsIncluded.join(', ')}` : ''
  return `${parts.join(' and ')}${siblings} from ${plan.registry}/${plan.name}? This cannot be undone.`
}

/** docker-registryctl's result line: the reference padded to 74 columns, then the status. */
export function formatOutcome(registry: string, name: string, outcome: TagOutcome): string {
  const reference = `${registry}/${name}:${outcome.tag}`
  return `${reference.padEnd(74)}${reference.length >= 74 ? ' ' : ''}[${outcome.status}]`
}

export function formatResult(result: DeletionResult, options: {details?: boolean} = {}): string[] {
  const lines = result.tags.map((outcome) => formatOutcome(result.registry, result.name, outcome) + (options.details && outcome.detail && outcome.status !== 'DONE' ? `  ${outcome.detail}` : ''))
  const counts = Object.entries(result.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status.toLowerCase()}`)
  lines.push(`${counts.join(', ') || 'nothing to do'}.${result.digests.length > 0 ? ' Space is freed only by the registry\'s garbage collection.' : ''}`)
  return lines
}
