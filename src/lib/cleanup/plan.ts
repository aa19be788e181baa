/**
 * Cleanup planning across a registry, pure (data in, plan out): which rules cover a repository,
 * what each rule says about each tag, and one deletion plan per repository built by the same
 * per-image planner delete-tags uses (siblings blocked, untagged or included as the rules say).
 *
 * A tag is deleted only when some rule selects it and no rule keeps or protects it. A rule keeps
 * the tags it protects (`protect`, any tag of the repositories it covers), the N newest of what it
 * selects (`keep`), and what is not older than `older-than` (undated images included). Every tag
 * carries the rule and the reason that decided it.
 */
import {describeDuration, type DeletionPlan, planDecided, type TagDecision} from '../deletion/plan.js'
import {fnmatcher, type Matcher} from '../glob.js'
import {compareNames, createdTime} from '../registry/inventory.js'
import type {UnreadableRepository} from '../registry/walk.js'
import type {ResolvedRule} from './policy.js'

export interface CleanupPlan {
  kind: 'registryctl-cleanup-plan'
  version: 1
  registry: string
  createdAt: string
  /** The policy file the plan was made from, for the record. */
  policyFile?: string
  rules: ResolvedRule[]
  /** The limit of the whole plan (policy `max-delete` or --max-delete). */
  maxDelete?: number
  /** One deletion plan per repository a rule covers, in name order. */
  repositories: DeletionPlan[]
  /** Repositories a rule covers that the credentials could not read (401/403): not planned, by name. */
  unreadable?: UnreadableRepository[]
}

export interface CompiledRule {
  rule: ResolvedRule
  covers: (repository: string) => boolean
  selects: (tag: string) => boolean
  protects: (tag: string) => Matcher | undefined
  /** Needs image created dates (keep-N or older-than). */
  needsDates: boolean
}

const STRICTNESS = {block: 2, keep: 1, include: 0} as const

const anyOf = (patterns: string[]) => {
  const matchers = patterns.map((pattern) => fnmatcher(pattern))
  return (text: string) => matchers.find((matches) => matches(text))
}

export function compileRules(rules: ResolvedRule[]): CompiledRule[] {
  return rules.map((rule) => {
    const include = anyOf(rule.repositories)
    const exclude = anyOf(rule.excludeRepositories)
    const tags = anyOf(rule.tags)
    const excludeTags = anyOf(rule.excludeTags)
    return {
      rule,
      covers: (repository) => include(repository) !== undefined && exclude(repository) === undefined,
      selects: (tag) => tags(tag) !== undefined && excludeTags(tag) === undefined,
      protects: anyOf(rule.protect),
      needsDates: (rule.keep ?? 0) > 0 || rule.olderThanMs !== undefined,
    }
  })
}

export interface RepositoryTags {
  name: string
  /** Every tag of the repository, with its digest, and its created date where it was needed. */
  tags: Array<{tag: string; digest: string; created?: string}>
  mediaTypes?: Record<string, string>
  /** The platform manifests of each tagged index, by the index's digest. */
  indexChildren?: Record<string, string[]>
  /** Bytes of each image, where known. */
  sizes?: Record<string, number>
}

interface Vote {
  rule: string
  reason: string
  policy: ResolvedRule['siblings']
}

/** What each rule says about each tag of one repository, combined: keep wins over delete. */
export function decideRepository(
  rules: CompiledRule[],
  repository: RepositoryTags,
  now: Date,
): Map<string, TagDecision> {
  const keeps = new Map<string, Vote>()
  const deletes = new Map<string, Vote>()
  const vote = (votes: Map<string, Vote>, tag: string, value: Vote) => {
    const earlier = votes.get(tag)
    // The first rule in policy order names the reason; the strictest sibling policy applies.
    if (!earlier) votes.set(tag, value)
    else if (STRICTNESS[value.policy] > STRICTNESS[earlier.policy]) earlier.policy = value.policy
  }

  for (const compiled of rules) {
    if (!compiled.covers(repository.name)) continue
    const {rule} = compiled
    const ballot = (reason: string): Vote => ({rule: rule.name, reason, policy: rule.siblings})
    for (const entry of repository.tags) {
      const protector = compiled.protects(entry.tag)
      if (protector) vote(keeps, entry.tag, ballot(`protected (protect ${protector.pattern})`))
    }

    const selected = repository.tags.filter((entry) => compiled.selects(entry.tag))
    const keptHere = new Set<string>()
    if (rule.olderThanMs !== undefined) {
      const cutoff = now.getTime() - rule.olderThanMs
      for (const entry of selected) {
        const created = createdTime(entry.created)
        if (created === Number.NEGATIVE_INFINITY) {
          keptHere.add(entry.tag)
          vote(keeps, entry.tag, ballot('created date unknown (older-than keeps it)'))
        } else if (created > cutoff) {
          keptHere.add(entry.tag)
          vote(keeps, entry.tag, ballot(`newer than ${rule.olderThan ?? describeDuration(rule.olderThanMs)}`))
        }
      }
    }

    if (rule.keep !== undefined && rule.keep > 0) {
      const newestFirst = [...selected].sort(
        (a, b) => createdTime(b.created) - createdTime(a.created) || compareNames(b.tag, a.tag),
      )
      for (const entry of newestFirst.slice(0, rule.keep)) {
        keptHere.add(entry.tag)
        vote(keeps, entry.tag, ballot(`one of the ${rule.keep} newest (keep ${rule.keep})`))
      }
    }

    const why = [
      rule.olderThanMs === undefined ? undefined : `older than ${rule.olderThan ?? describeDuration(rule.olderThanMs)}`,
      rule.keep ? `not one of the ${rule.keep} newest` : undefined,
    ].filter(Boolean)
    for (const entry of selected) {
      if (keptHere.has(entry.tag) || compiled.protects(entry.tag)) continue
      vote(deletes, entry.tag, ballot(why.length > 0 ? why.join(', ') : `matches tags ${rule.tags.join(', ')}`))
    }
  }

  const decisions = new Map<string, TagDecision>()
  for (const entry of repository.tags) {
    const keep = keeps.get(entry.tag)
    const remove = deletes.get(entry.tag)
    if (keep) decisions.set(entry.tag, {action: 'kept', rule: keep.rule, reason: keep.reason})
    else if (remove)
      decisions.set(entry.tag, {action: 'delete', rule: remove.rule, reason: remove.reason, policy: remove.policy})
  }

  return decisions
}

export const UNSELECTED_REASON = 'selected by no rule'

export function planRepository(
  registry: string,
  rules: CompiledRule[],
  repository: RepositoryTags,
  now: Date,
): DeletionPlan {
  const covering = rules.filter((compiled) => compiled.covers(repository.name))
  const plan = planDecided({
    registry,
    name: repository.name,
    pattern: `rules ${covering.map((compiled) => compiled.rule.name).join(', ')}`,
    // The label of the plan; each image is decided under the strictest policy of the rules deleting it.
    policy: 'block',
    now,
    tags: repository.tags,
    mediaTypes: repository.mediaTypes,
    indexChildren: repository.indexChildren,
    decisions: decideRepository(rules, repository, now),
    unselectedReason: UNSELECTED_REASON,
    wording: 'policy',
  })
  if (repository.sizes) {
    for (const digest of plan.digests) {
      const size = repository.sizes[digest.digest]
      if (size !== undefined) digest.size = size
    }
  }

  return plan
}

export interface PlanTotals {
  repositories: number
  tags: number
  /** Tags whose image is deleted (their own or a sibling's), and tag names removed from a kept image. */
  delete: number
  untag: number
  kept: number
  /** Kept because a sibling policy blocked their image. */
  blocked: number
  images: number
  /** Bytes the images to delete hold (where known). */
  bytes: number
}

/** Tags that would have been deleted but their image is blocked by the sibling policy. */
export function blockedTags(plan: DeletionPlan): Set<string> {
  const blocked = new Set<string>()
  for (const digest of plan.digests) {
    if (digest.action !== 'blocked') continue
    for (const tag of digest.tags) if (!digest.siblings.includes(tag)) blocked.add(tag)
  }

  return blocked
}

export function planTotals(plan: CleanupPlan): PlanTotals {
  const totals: PlanTotals = {
    repositories: plan.repositories.length,
    tags: 0,
    delete: 0,
    untag: 0,
    kept: 0,
    blocked: 0,
    images: 0,
    bytes: 0,
  }
  for (const repository of plan.repositories) {
    const blocked = blockedTags(repository)
    for (const tag of repository.tags) {
      totals.tags++
      if (tag.action === 'delete') totals.delete++
      else if (tag.action === 'untag') totals.untag++
      else if (blocked.has(tag.tag)) totals.blocked++
      else totals.kept++
    }

    for (const digest of repository.digests) {
      if (digest.action !== 'delete') continue
      totals.images++
      totals.bytes += digest.size ?? 0
    }
  }

  return totals
}

/** Tags each rule removes (deleted with their image or untagged). */
export function removalsByRule(plan: CleanupPlan): Map<string, number> {
  const counts = new Map<string, number>()
  for (const repository of plan.repositories) {
    for (const tag of repository.tags) {
      if (tag.action === 'kept' || tag.rule === undefined) continue
      counts.set(tag.rule, (counts.get(tag.rule) ?? 0) + 1)
    }
  }

  return counts
}

/** The limits the plan exceeds: the whole plan's (max-delete) and each rule's. Empty when within. */
export function limitViolations(plan: CleanupPlan, maxDelete = plan.maxDelete): string[] {
  const violations: string[] = []
  const totals = planTotals(plan)
  const removing = totals.delete + totals.untag
  if (maxDelete !== undefined && removing > maxDelete)
    violations.push(`the plan removes ${removing} tag(s), over the limit of ${maxDelete} (max-delete)`)
  const byRule = removalsByRule(plan)
  for (const rule of plan.rules) {
    const count = byRule.get(rule.name) ?? 0
    if (rule.maxDelete !== undefined && count > rule.maxDelete)
      violations.push(`rule ${rule.name} removes ${count} tag(s), over its max-delete of ${rule.maxDelete}`)
  }

  return violations
}
