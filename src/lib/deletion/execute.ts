/**
 * Applying a deletion plan, safely:
 *  - preflight before anything is touched: deletes enabled, registry writable, credentials able to
 *    delete (and push, when tags must be moved onto placeholders);
 *  - one fresh tag listing right before deleting: a tag that appeared since the plan and points at a
 *    planned digest would be deleted with it unseen, so that digest is skipped ([CHANGED]); the new
 *    listing never adds anything to the deletion;
 *  - each planned tag re-resolved right before its DELETE: moved ([CHANGED]) or gone ([GONE]);
 *  - a 404 after a retried DELETE is verified with a HEAD (the first attempt may have succeeded);
 *  - every outcome verified with a HEAD of the digest.
 */
import type {RegistryClient} from '../client.js'
import {ExitCode, isRegistryCtlError} from '../errors.js'
import type {DeletionPlan, PlannedDigest} from './plan.js'
import {untag} from './placeholder.js'

export type TagStatus = 'DONE' | 'FAIL' | 'GONE' | 'KEPT' | 'CHANGED'

export interface TagOutcome {
  tag: string
  digest: string
  status: TagStatus
  detail?: string
}

export interface DigestOutcome {
  digest: string
  status: 'DONE' | 'FAIL' | 'GONE' | 'SKIPPED'
  detail?: string
}

export interface DeletionResult {
  registry: string
  name: string
  tags: TagOutcome[]
  digests: DigestOutcome[]
  counts: Record<TagStatus, number>
  blocked: boolean
  /** 0 all done, 10 some failed, 12 blocked by siblings (failures take precedence). */
  exitCode: number
}

export interface ExecuteOptions {
  /** Called after each digest is handled: for progress displays. */
  onProgress?: (handled: number, total: number, outcome: DigestOutcome) => void
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The registry refuses this kind of change altogether: stop rather than fail every tag the same way. */
function isRefusal(error: unknown): boolean {
  return isRegistryCtlError(error) && (error.exitCode === ExitCode.UNSUPPORTED || error.exitCode === ExitCode.UNAUTHORIZED || error.exitCode === ExitCode.DENIED)
}

/** Fail fast, before touching anything, when the registry or the credentials cannot do the job. */
export async function preflight(client: RegistryClient, plan: DeletionPlan): Promise<void> {
  const active = plan.digests.filter((digest) => digest.action !== 'blocked')
  if (active.length === 0) return
  await client.probeDelete(plan.name)
  // Moving tags onto placeholders needs push rights; check before the first tag is moved.
  if (active.some((digest) => digest.action === 'untag')) await client.probePush(plan.name)
}

/** Tags that appeared since the plan was made and point at a digest it deletes. */
async function newTagsOnPlannedDigests(client: RegistryClient, plan: DeletionPlan): Promise<Map<string, string[]>> {
  const known = new Set([...plan.tags.map((entry) => entry.tag), ...plan.digests.flatMap((digest) => digest.tags)])
  const current = await client.tags(plan.name, {missingIsEmpty: true})

  const deleting = new Set(plan.digests.filter((digest) => digest.action === 'delete').map((digest) => digest.digest))
  const intruders = new Map<string, string[]>()
  await Promise.all(
    current
      .filter((tag) => !known.has(tag))
      .map(async (tag) => {
        const digest = await client.exists(plan.name, tag)
        if (digest && deleting.has(digest)) intruders.set(digest, [...(intruders.get(digest) ?? []), tag])
      }),
  )
  return intruders
}

async function deleteDigest(client: RegistryClient, plan: DeletionPlan, digest: PlannedDigest, intruders: string[] | undefined): Promise<{digest: DigestOutcome; tags: TagOutcome[]}> {
  const planned = plan.tags.filter((entry) => entry.digest === digest.digest && entry.action === 'delete')
  if (intruders) {
    const detail = `not deleted: tag ${intruders.join(', ')} appeared on this image after the plan was made`
    return {digest: {digest: digest.digest, status: 'SKIPPED', detail}, tags: planned.map((entry) => ({tag: entry.tag, digest: entry.digest, status: 'CHANGED', detail}))}
  }

  // Re-resolve right before the DELETE: what was confirmed must still be what gets deleted.
  const now = await Promise.all(planned.map(async (entry) => ({entry, current: await client.exists(plan.name, entry.tag)})))
  const outcomes: TagOutcome[] = []
  const still: typeof planned = []
  for (const {entry, current} of now) {
    if (current === undefined) outcomes.push({tag: entry.tag, digest: entry.digest, status: 'GONE', detail: 'already gone'})
    else if (current === digest.digest) still.push(entry)
    else outcomes.push({tag: entry.tag, digest: entry.digest, status: 'CHANGED', detail: `now points at ${current}; not deleted`})
  }

  if (planned.length > 0 && still.length === 0) {
    return {digest: {digest: digest.digest, status: 'SKIPPED', detail: 'none of its planned tags points at it any more'}, tags: outcomes}
  }

  try {
    const result = await client.deleteManifest(plan.name, digest.digest)
    const remains = await client.exists(plan.name, digest.digest)
    let status: 'DONE' | 'FAIL' | 'GONE'
    if (remains) status = 'FAIL'
    else if (result.gone && !result.retried) status = 'GONE'
    else status = 'DONE' // a 404 after a retry: our first attempt deleted it
    const detail = remains ? 'the registry accepted the DELETE but the manifest still resolves' : undefined
    for (const entry of still) outcomes.push({tag: entry.tag, digest: entry.digest, status, detail})
    return {digest: {digest: digest.digest, status, detail}, tags: outcomes}
  } catch (error) {
    if (isRefusal(error)) throw error

    for (const entry of still) outcomes.push({tag: entry.tag, digest: entry.digest, status: 'FAIL', detail: message(error)})
    return {digest: {digest: digest.digest, status: 'FAIL', detail: message(error)}, tags: outcomes}
  }
}

async function untagDigest(client: RegistryClient, plan: DeletionPlan, digest: PlannedDigest): Promise<{digest: DigestOutcome; tags: TagOutcome[]}> {
  const planned = plan.tags.filter((entry) => entry.digest === digest.digest && entry.action === 'untag')
  const outcomes: TagOutcome[] = []
  // Sequential per image: each move is verified before the next, and siblings are re-checked each time.
  for (const entry of planned) {
    // eslint-disable-next-line no-await-in-loop -- deliberate, see above
    const current = await client.exists(plan.name, entry.tag)
    if (current === undefined) {
      outcomes.push({tag: entry.tag, digest: entry.digest, status: 'GONE', detail: 'already gone'})
      continue
    }

    if (current !== digest.digest) {
      outcomes.push({tag: entry.tag, digest: entry.digest, status: 'CHANGED', detail: `now points at ${current}; not touched`})
      continue
    }

    try {
      // eslint-disable-next-line no-await-in-loop -- deliberate, see above
      const method = await untag(client, plan.name, entry.tag, digest.digest, digest.mediaType)
      outcomes.push({tag: entry.tag, digest: entry.digest, status: 'DONE', detail: method === 'placeholder' ? 'tag moved onto a placeholder, placeholder deleted' : 'tag deleted'})
    } catch (error) {
      if (isRefusal(error)) throw error
      outcomes.push({tag: entry.tag, digest: entry.digest, status: 'FAIL', detail: message(error)})
    }
  }

  const failed = outcomes.some((outcome) => outcome.status === 'FAIL')
  return {digest: {digest: digest.digest, status: failed ? 'FAIL' : 'DONE', detail: 'image kept for its other tags'}, tags: outcomes}
}

export async function executePlan(client: RegistryClient, plan: DeletionPlan, options: ExecuteOptions = {}): Promise<DeletionResult> {
  await preflight(client, plan)
  const active = plan.digests.filter((digest) => digest.action !== 'blocked')
  const intruders = active.length > 0 ? await newTagsOnPlannedDigests(client, plan) : new Map<string, string[]>()
  let handled = 0
  const results = await Promise.all(
    active.map(async (digest) => {
      const result = digest.action === 'untag' ? await untagDigest(client, plan, digest) : await deleteDigest(client, plan, digest, intruders.get(digest.digest))
      options.onProgress?.(++handled, active.length, result.digest)
      return result
    }),
  )
  const byTag = new Map<string, TagOutcome>()
  for (const entry of plan.tags) {
    if (entry.action === 'kept') byTag.set(entry.tag, {tag: entry.tag, digest: entry.digest, status: 'KEPT', detail: entry.reason})
  }

  for (const result of results) for (const outcome of result.tags) byTag.set(outcome.tag, outcome)
  const tags = [...plan.tags.map((entry) => byTag.get(entry.tag)).filter((outcome): outcome is TagOutcome => outcome !== undefined)]
  const counts: Record<TagStatus, number> = {DONE: 0, FAIL: 0, GONE: 0, KEPT: 0, CHANGED: 0}
  for (const outcome of tags) counts[outcome.status]++
  const digests = results.map((result) => result.digest)
  const failed = digests.some((digest) => digest.status === 'FAIL')
  return {
    registry: plan.registry,
    name: plan.name,
    tags,
    digests,
    counts,
    blocked: plan.blocked,
    exitCode: failed ? ExitCode.PARTIAL : plan.blocked ? ExitCode.BLOCKED : ExitCode.OK,
  }
}
