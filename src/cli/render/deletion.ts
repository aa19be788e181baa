/** Rendering deletion plans and outcomes: the plan table, the prompt text, docker-registryctl's lines. */
import type {DeletionResult, TagOutcome} from '../../lib/deletion/execute.js'
import type {DeletionPlan} from '../../lib/deletion/plan.js'
import {isIndexType} from '../../lib/registry/manifests.js'
import {fitLine, shortDigest} from './format.js'

const ACTION_LABEL = {delete: 'DELETE', untag: 'UNTAG', kept: 'KEEP'} as const

export function planSummary(plan: DeletionPlan): {
  deleteTags: number
  untagTags: number
  kept: number
  images: number
  siblingsIncluded: string[]
} {
  return {
    deleteTags: plan.tags.filter((entry) => entry.action === 'delete').length,
    untagTags: plan.tags.filter((entry) => entry.action === 'untag').length,
    kept: plan.tags.filter((entry) => entry.action === 'kept').length,
    images: plan.digests.filter((digest) => digest.action === 'delete').length,
    siblingsIncluded: plan.tags
      .filter((entry) => entry.action === 'delete' && !entry.selected)
      .map((entry) => entry.tag),
  }
}

/** Every tag name a plan knows of, siblings included: the names a long reason lists. */
function planTagNames(plan: DeletionPlan): string[] {
  return [
    ...plan.tags.map((entry) => entry.tag),
    ...plan.digests.flatMap((digest) => [...digest.tags, ...digest.siblings]),
  ]
}

/** The plan table; each row is bounded to `width` (a reason listing many sibling tags ends in `(+N more)`). */
export function formatPlan(plan: DeletionPlan, width = Number.POSITIVE_INFINITY): string[] {
  const names = new Set(planTagNames(plan))
  const lines = [
    `Plan for ${plan.registry}/${plan.name} (${plan.pattern.includes(':') ? `digest ${plan.pattern}` : `tags matching '${plan.pattern}'`}, siblings: ${plan.policy}):`,
  ]
  if (plan.tags.length === 0 && plan.digests.length === 0) return [...lines, `  no tag matches '${plan.pattern}'.`]
  const column = Math.max(3, ...plan.tags.map((entry) => entry.tag.length))
  lines.push(`  ${'TAG'.padEnd(column)}  ${'DIGEST'.padEnd(12)}  ${'CREATED'.padEnd(20)}  ACTION`)
  for (const entry of plan.tags) {
    const created = (entry.created ?? 'unknown').replace(/\.\d+Z$/, 'Z').padEnd(20)
    const reason = entry.reason ? ` (${entry.reason})` : ''
    lines.push(
      fitLine(
        `  ${entry.tag.padEnd(column)}  ${shortDigest(entry.digest)}  ${created}  ${ACTION_LABEL[entry.action]}${reason}`,
        width,
        names,
      ),
    )
  }

  for (const digest of plan.digests) {
    if (digest.action === 'delete' && digest.mediaType && isIndexType(digest.mediaType)) {
      lines.push(
        `  note: ${shortDigest(digest.digest)} is an index: its platform manifests stay until garbage collection`,
      )
    }

    if (digest.action === 'delete' && digest.tags.length === 0)
      lines.push(`  note: ${shortDigest(digest.digest)} has no tags`)
  }

  const summary = planSummary(plan)
  lines.push(
    `Summary: delete ${summary.deleteTags} tag(s) with ${summary.images} image(s), untag ${summary.untagTags}, keep ${summary.kept}.` +
      (summary.siblingsIncluded.length > 0
        ? ` Not selected but deleted with their image: ${summary.siblingsIncluded.join(', ')}.`
        : ''),
  )
  if (plan.blocked) lines.push('Blocked: images still tagged by unselected tags are not deleted (exit code 12).')
  return lines
}

/**
 * What the question says about undoing: with a recovery record, `registryctl restore` puts the images
 * back until the registry's garbage collector runs; without one (--no-record), nothing can.
 */
export function undoNote(recorded: boolean): string {
  return recorded ? 'Until garbage collection runs, `registryctl restore` can undo it.' : 'This cannot be undone.'
}

export function confirmationMessage(plan: DeletionPlan, recorded = false): string {
  const summary = planSummary(plan)
  const parts = [`Delete ${summary.deleteTags} tag(s) (${summary.images} image(s))`]
  if (summary.untagTags > 0) parts.push(`remove ${summary.untagTags} tag name(s) keeping their images`)
  const siblings =
    summary.siblingsIncluded.length > 0 ? `, including unselected ${summary.siblingsIncluded.join(', ')}` : ''
  return `${parts.join(' and ')}${siblings} from ${plan.registry}/${plan.name}? ${undoNote(recorded)}`
}

/**
 * docker-registryctl's result line, byte for byte: Python's `'{0:74s}[{1}]'`, the reference padded
 * with spaces to 74 columns and the status right after it (no space when the reference is longer).
 */
export function formatOutcome(
  registry: string,
  name: string,
  outcome: Pick<TagOutcome, 'tag'> & {status: string; digest?: string},
): string {
  return `${`${registry}/${name}:${outcome.tag}`.padEnd(74)}[${outcome.status}]`
}

/** The report lines (stdout): one per tag, nothing else, so parsers of docker-registryctl's output keep working. */
export function formatResult(result: DeletionResult): string[] {
  return result.tags.map((outcome) => formatOutcome(result.registry, result.name, outcome))
}

/**
 * What registryctl adds to the report (stderr, after it): why each tag that was not simply deleted
 * was not, one line each bounded to `width` (a long list of sibling tags ends in `(+N more)`), then
 * the counts.
 */
export function formatResultNotes(
  result: DeletionResult,
  options: {width?: number; plan?: DeletionPlan} = {},
): string[] {
  const width = options.width ?? 200
  const names = new Set([
    ...result.tags.map((outcome) => outcome.tag),
    ...(options.plan ? planTagNames(options.plan) : []),
  ])
  const lines = result.tags
    .filter((outcome) => outcome.detail && outcome.status !== 'DONE')
    .map((outcome) => fitLine(`${outcome.tag} [${outcome.status}] ${outcome.detail}`, width, names))
  const counts = Object.entries(result.counts)
    .filter(([, count]) => count > 0)
    .map(([status, count]) => `${count} ${status.toLowerCase()}`)
  lines.push(
    `${counts.join(', ') || 'nothing to do'}.${result.digests.length > 0 ? " Space is freed only by the registry's garbage collection." : ''}`,
  )
  return lines
}
