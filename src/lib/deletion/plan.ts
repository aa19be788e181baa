/**
 * Deletion planning. On distribution 2.x a tag is removed by deleting its manifest digest, which takes
 * every tag on that digest with it. The plan therefore looks at every tag of the repository, not only
 * the selected ones, and decides per digest what happens to the tags that were not selected (siblings):
 *   block   (default) the digest is not deleted while an unselected tag still uses it;
 *   include           the siblings are deleted too, listed in the plan and the prompt;
 *   keep              only the selected tag names go; the image stays for the siblings.
 * Retention (--protect, --older-than, --keep) removes tags from the deletion; a tag kept that way is a
 * sibling like any other, and protection wins over --include-siblings.
 *
 * Pure: it works on data gathered beforehand (tags, digests, dates), so it is tested exhaustively
 * without a registry, and a plan file can be re-verified against the registry before it is applied.
 */
import {fnmatcher} from '../glob.js'
import {compareNames, createdTime} from '../registry/inventory.js'

export type SiblingPolicy = 'block' | 'include' | 'keep'

/** delete: the digest goes; untag: only this tag name goes; kept: not touched (see reason). */
export type TagAction = 'delete' | 'untag' | 'kept'

export interface PlannedTag {
  tag: string
  digest: string
  created?: string
  action: TagAction
  /** Why a tag is kept, or why an unselected tag is deleted (a sibling, with --include-siblings). */
  reason?: string
  /** Selected by the pattern (false: a sibling included with --include-siblings). */
  selected: boolean
  /** The cleanup rule that decided (cleanup plans only). */
  rule?: string
}

export interface PlannedDigest {
  digest: string
  mediaType?: string
  /** delete: DELETE the digest; untag: move the selected tags off it; blocked: nothing (siblings). */
  action: 'delete' | 'untag' | 'blocked'
  /** Every tag that pointed at the digest when the plan was made. */
  tags: string[]
  /** Tags on the digest that stay (siblings). */
  siblings: string[]
  /** Bytes of the image's distinct blobs, where known (cleanup plans: what the deleted images held). */
  size?: number
}

export interface DeletionPlan {
  kind: 'registryctl-deletion-plan'
  version: 1
  registry: string
  name: string
  pattern: string
  policy: SiblingPolicy
  createdAt: string
  tags: PlannedTag[]
  digests: PlannedDigest[]
  /** Some digest was not deleted because of siblings (exit code 12 once applied). */
  blocked: boolean
}

/**
 * Why a plan's two views disagree, if they do: a digest to delete takes every tag it lists, so each of
 * those must be planned for deletion, and a tag planned for deletion or untagging needs its digest
 * planned the same way. A reviewed plan edited on one side only (a tag set to "kept" while its image
 * is still deleted) would otherwise delete the tag and report it kept.
 */
export function planInconsistency(plan: Pick<DeletionPlan, 'tags' | 'digests'>): string | undefined {
  const tags = new Map(plan.tags.map((entry) => [entry.tag, entry]))
  const digests = new Map(plan.digests.map((entry) => [entry.digest, entry]))
  for (const digest of plan.digests) {
    if (digest.action !== 'delete') continue
    for (const tag of digest.tags) {
      const entry = tags.get(tag)
      if (entry?.action !== 'delete') {
        return `tag ${tag} is ${entry ? `planned "${entry.action}"` : "not in the plan's tags"}, but its image ${digest.digest} (tags ${digest.tags.join(', ')}) is to be deleted, which takes the tag with it`
      }
    }
  }

  for (const entry of plan.tags) {
    if (entry.action === 'kept') continue
    const digest = digests.get(entry.digest)
    if (digest?.action !== entry.action) {
      return `tag ${entry.tag} is planned "${entry.action}", but its image ${entry.digest} is ${digest ? `planned "${digest.action}"` : "not in the plan's digests"}`
    }
  }

  return undefined
}

/**
 * The tags of the multi-arch images (indexes, in `indexChildren` by digest) that list `digest` as a
 * platform and stay: some tag of theirs is not `doomed`. Deleting the digest would break their pulls.
 */
export function stayingIndexTags(
  digest: string,
  indexChildren: Record<string, string[]> | undefined,
  tagsOn: (digest: string) => ReadonlyArray<{tag: string}>,
  doomed: ReadonlySet<string> = new Set(),
): string[] {
  return Object.entries(indexChildren ?? {})
    .filter(([index, children]) => children.includes(digest) && tagsOn(index).some((entry) => !doomed.has(entry.tag)))
    .flatMap(([index]) => tagsOn(index).map((entry) => entry.tag))
    .sort(compareNames)
}

/** Why a platform of a multi-arch image that stays is not deleted. */
export const platformReason = (indexTags: readonly string[]) =>
  `its image is a platform of the multi-arch image tagged ${indexTags.join(', ')}, which stays`

export interface RetentionOptions {
  /** Never delete the N newest tags of the selection, by image created date. */
  keep?: number
  /** Only delete images created longer ago than this (ms). Undated images are kept. */
  olderThanMs?: number
  /** Tags matching any of these globs are never deleted. */
  protect?: string[]
  now?: Date
}

export interface PlanInput extends RetentionOptions {
  registry: string
  name: string
  pattern: string
  policy: SiblingPolicy
  /** Every tag of the repository with its digest (and created date where known). */
  tags: Array<{tag: string; digest: string; created?: string}>
  mediaTypes?: Record<string, string>
  /** The platform manifests of each tagged index (multi-arch image), by the index's digest. */
  indexChildren?: Record<string, string[]>
}

export function describeDuration(ms: number): string {
  const days = ms / 86_400_000
  return Number.isInteger(days) ? `${days}d` : `${Math.round(ms / 3_600_000)}h`
}

/**
 * What happens to one tag the selection names: deleted, or kept (by retention or protection, which
 * makes it untouchable: --include-siblings never takes it along). `rule` names the cleanup rule
 * that decided; `policy` is the sibling policy for the image of a tag to delete.
 */
export interface TagDecision {
  action: 'delete' | 'kept'
  reason?: string
  rule?: string
  policy?: SiblingPolicy
}

/** How sibling reasons read: delete-tags names its flags, cleanup its rules' `siblings` key. */
export type PlanWording = 'flags' | 'policy'

export interface DecidedInput {
  registry: string
  name: string
  pattern: string
  policy: SiblingPolicy
  now?: Date
  /** Every tag of the repository with its digest (and created date where known). */
  tags: Array<{tag: string; digest: string; created?: string}>
  mediaTypes?: Record<string, string>
  /** The platform manifests of each tagged index, by the index's digest: a platform an index that stays still lists is never deleted. */
  indexChildren?: Record<string, string[]>
  /** One entry per selected tag; tags without one are unselected (siblings). */
  decisions: Map<string, TagDecision>
  /** List unselected tags too, as kept with this reason (cleanup shows every tag it looked at). */
  unselectedReason?: string
  wording?: PlanWording
}

const STRICTNESS: Record<SiblingPolicy, number> = {block: 2, keep: 1, include: 0}

/**
 * The per-image part every deletion shares: given what happens to each selected tag, decide for
 * each image to delete what happens to its other tags, under the (strictest) sibling policy of the
 * tags that would delete it.
 */
export function planDecided(input: DecidedInput): DeletionPlan {
  const now = input.now ?? new Date()
  const policyWording = input.wording === 'policy'
  const {decisions} = input
  const doomed = new Set(
    input.tags.filter((entry) => decisions.get(entry.tag)?.action === 'delete').map((entry) => entry.tag),
  )
  const byDigest = new Map<string, Array<{tag: string; digest: string; created?: string}>>()
  for (const entry of input.tags) {
    const onDigest = byDigest.get(entry.digest)
    if (onDigest) onDigest.push(entry)
    else byDigest.set(entry.digest, [entry])
  }

  const tags = new Map<string, PlannedTag>()
  for (const entry of input.tags) {
    const decision = decisions.get(entry.tag)
    if (decision) {
      tags.set(entry.tag, {
        ...entry,
        selected: true,
        action: 'kept',
        reason: decision.reason,
        ...(decision.rule === undefined ? {} : {rule: decision.rule}),
      })
    } else if (input.unselectedReason !== undefined) {
      tags.set(entry.tag, {...entry, selected: false, action: 'kept', reason: input.unselectedReason})
    }
  }

  const digests: PlannedDigest[] = []
  const doomedDigests = [...new Set(input.tags.filter((entry) => doomed.has(entry.tag)).map((entry) => entry.digest))]
  for (const digest of doomedDigests) {
    const onDigest = byDigest.get(digest)!
    const siblings = onDigest.filter((entry) => !doomed.has(entry.tag))
    const selectedHere = onDigest.filter((entry) => doomed.has(entry.tag))
    const policy = selectedHere
      .map((entry) => decisions.get(entry.tag)!.policy ?? input.policy)
      .reduce(
        (strictest, candidate) => (STRICTNESS[candidate] > STRICTNESS[strictest] ? candidate : strictest),
        'include' as SiblingPolicy,
      )
    const rules = [
      ...new Set(
        selectedHere
          .map((entry) => decisions.get(entry.tag)!.rule)
          .filter((rule): rule is string => rule !== undefined),
      ),
    ]
    const base = {
      digest,
      mediaType: input.mediaTypes?.[digest],
      tags: onDigest.map((entry) => entry.tag).sort(compareNames),
    }
    // A sibling that retention or protection keeps can never be taken along.
    const untouchable = siblings.filter((entry) => decisions.get(entry.tag)?.action === 'kept')
    // A platform of a multi-arch image that stays: deleting it would break that image's pulls.
    const indexTags = stayingIndexTags(digest, input.indexChildren, (index) => byDigest.get(index) ?? [], doomed)
    const siblingNames = siblings.map((entry) => entry.tag).sort(compareNames)
    if (indexTags.length > 0 && policy === 'keep') {
      digests.push({...base, action: 'untag', siblings: siblingNames})
      for (const entry of selectedHere)
        Object.assign(tags.get(entry.tag)!, {
          action: 'untag',
          reason: `image kept: a platform of the multi-arch image tagged ${indexTags.join(', ')}`,
        })
    } else if (indexTags.length > 0) {
      digests.push({...base, action: 'blocked', siblings: siblingNames})
      const why = `${platformReason(indexTags)}${policyWording ? '' : ' (--keep-siblings removes only the tag)'}`
      for (const entry of selectedHere) Object.assign(tags.get(entry.tag)!, {action: 'kept', reason: why})
    } else if (siblings.length === 0) {
      digests.push({...base, action: 'delete', siblings: []})
      for (const entry of selectedHere) tags.get(entry.tag)!.action = 'delete'
    } else if (policy === 'keep') {
      digests.push({...base, action: 'untag', siblings: siblingNames})
      for (const entry of selectedHere)
        Object.assign(tags.get(entry.tag)!, {
          action: 'untag',
          reason: `image kept for ${siblings.map((s) => s.tag).join(', ')}`,
        })
    } else if (policy === 'include' && untouchable.length === 0) {
      digests.push({...base, action: 'delete', siblings: []})
      for (const entry of selectedHere) tags.get(entry.tag)!.action = 'delete'
      const how = policyWording ? `siblings: include, rule ${rules.join(', ')}` : '--include-siblings'
      for (const sibling of siblings) {
        tags.set(sibling.tag, {
          ...sibling,
          selected: false,
          action: 'delete',
          reason: `shares its image with ${selectedHere.map((s) => s.tag).join(', ')} (${how})`,
          ...(rules[0] === undefined ? {} : {rule: rules[0]}),
        })
      }
    } else {
      digests.push({...base, action: 'blocked', siblings: siblingNames})
      let why: string
      if (untouchable.length > 0 && policy === 'include') {
        why = `its image is also tagged ${untouchable.map((s) => s.tag).join(', ')}, which ${policyWording ? 'a rule keeps' : 'retention or --protect keeps'}`
      } else {
        why = `its image is also tagged ${siblingNames.join(', ')}, ${policyWording ? 'which this plan keeps (siblings: block)' : 'not selected: see --include-siblings, --keep-siblings'}`
      }

      for (const entry of selectedHere) Object.assign(tags.get(entry.tag)!, {action: 'kept', reason: why})
    }
  }

  return {
    kind: 'registryctl-deletion-plan',
    version: 1,
    registry: input.registry,
    name: input.name,
    pattern: input.pattern,
    policy: input.policy,
    createdAt: now.toISOString(),
    tags: [...tags.values()].sort((a, b) => compareNames(a.tag, b.tag)),
    digests: digests.sort((a, b) => compareNames(a.digest, b.digest)),
    blocked: digests.some((digest) => digest.action === 'blocked'),
  }
}

export function planDeletion(input: PlanInput): DeletionPlan {
  const now = input.now ?? new Date()
  const matches = fnmatcher(input.pattern)
  const protectors = (input.protect ?? []).map((pattern) => fnmatcher(pattern))
  const selected = input.tags.filter((entry) => matches(entry.tag))
  const keptReason = new Map<string, string>()

  for (const entry of selected) {
    const protector = protectors.find((protect) => protect(entry.tag))
    if (protector) keptReason.set(entry.tag, `protected by --protect ${protector.pattern}`)
  }

  if (input.olderThanMs !== undefined) {
    const cutoff = now.getTime() - input.olderThanMs
    for (const entry of selected) {
      if (keptReason.has(entry.tag)) continue
      const created = createdTime(entry.created)
      if (created === Number.NEGATIVE_INFINITY)
        keptReason.set(entry.tag, 'created date unknown (--older-than keeps it)')
      else if (created > cutoff)
        keptReason.set(entry.tag, `newer than --older-than ${describeDuration(input.olderThanMs)}`)
    }
  }

  if (input.keep !== undefined && input.keep > 0) {
    const newestFirst = [...selected].sort(
      (a, b) => createdTime(b.created) - createdTime(a.created) || compareNames(b.tag, a.tag),
    )
    for (const entry of newestFirst.slice(0, input.keep)) {
      if (!keptReason.has(entry.tag))
        keptReason.set(entry.tag, `one of the ${input.keep} newest (--keep ${input.keep})`)
    }
  }

  const decisions = new Map<string, TagDecision>()
  for (const entry of selected) {
    const reason = keptReason.get(entry.tag)
    decisions.set(entry.tag, reason === undefined ? {action: 'delete'} : {action: 'kept', reason})
  }

  return planDecided({...input, now, decisions})
}
