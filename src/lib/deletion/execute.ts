/**
 * Applying a deletion plan, safely:
 *  - preflight before anything is touched: deletes enabled, registry writable, credentials able to
 *    delete (and push, when tags must be moved onto placeholders);
 *  - one fresh tag listing, every tag resolved, right before deleting: a tag that appeared since the
 *    plan, or moved since onto a planned digest, would be deleted with it unseen, so that digest is
 *    skipped ([CHANGED]); the new listing never adds anything to the deletion. A plan whose own
 *    listing has just ended (made in this run, applied without a prompt) is that fresh listing;
 *  - each planned tag re-resolved right before its DELETE: moved ([CHANGED]) or gone ([GONE]);
 *  - a 202 is trusted ([DONE]); a DELETE whose outcome is unknown (reset, truncated answer, retries
 *    used up, 5xx, a 404 after a retry) is resolved by looking: a HEAD of the digest, with retries of
 *    its own. Gone: [DONE]; still there: [FAIL]; still unknown after looking: [UNKNOWN]. Never a guess;
 *  - interruption (an AbortSignal): no DELETE is sent after it fires, those in flight finish, and the
 *    tags not attempted are [SKIPPED]. Each outcome is handed to `onOutcome` as it happens (journal,
 *    streamed report), so a killed run still leaves an accurate record.
 */
import type {RegistryClient} from '../registry/client.js'
import {ExitCode, InterruptedError, isRegistryCtlError} from '../errors.js'
import {mapConcurrent} from '../concurrency.js'
import {backoffDelay} from '../registry/transport.js'
import type {DeletionPlan, PlannedDigest} from './plan.js'
import {untag} from './placeholder.js'
import {preflightPlans} from './preflight.js'
import type {ImageAboutToGo} from './recovery.js'

export type TagStatus = 'DONE' | 'FAIL' | 'GONE' | 'KEPT' | 'CHANGED' | 'UNKNOWN' | 'SKIPPED'

/** Outcomes that leave a tag the run planned to delete where it was: the run exits 10. */
export const LEFT_IN_PLACE: ReadonlySet<TagStatus> = new Set(['FAIL', 'UNKNOWN', 'CHANGED'])

export interface TagOutcome {
  tag: string
  digest: string
  status: TagStatus
  detail?: string
}

export interface DigestOutcome {
  digest: string
  status: 'DONE' | 'FAIL' | 'GONE' | 'SKIPPED' | 'UNKNOWN'
  detail?: string
}

export interface DeletionResult {
  registry: string
  name: string
  tags: TagOutcome[]
  digests: DigestOutcome[]
  counts: Record<TagStatus, number>
  blocked: boolean
  /** The run was interrupted: tags not attempted are SKIPPED. */
  interrupted: boolean
  /** 0 all done, 10 a planned tag left in place (failed, unknown, changed), 12 blocked by siblings, 130 interrupted (in that precedence: 130, 10, 12). */
  exitCode: number
}

export interface ExecuteOptions {
  /** Called after each digest is handled: for progress displays. */
  onProgress?: (handled: number, total: number, outcome: DigestOutcome) => void
  /** Called with each tag's outcome as soon as it is known (KEPT tags are not outcomes: see the plan). */
  onOutcome?: (outcome: TagOutcome) => void
  /** Once aborted, no further DELETE (or tag move) is started; those in flight finish. */
  signal?: AbortSignal
  /** Looks (HEADs, each with the transport's retries) at a digest whose DELETE outcome is unknown. */
  lookAttempts?: number
  /** First pause between looks, in ms (doubles, with jitter). */
  lookDelayMs?: number
  /**
   * The plan was made from a listing that ended right before this call, with nothing (a prompt, a
   * plan file) in between: that listing, every tag resolved, is the fresh one, and is not repeated.
   */
  planJustListed?: boolean
  /**
   * Called right before an image's DELETE (or a tag's removal) is sent, with the tags it takes; the
   * request is sent only once it resolves (the recovery record: on disk first). When it throws, that
   * image is not deleted.
   */
  beforeDelete?: (image: ImageAboutToGo) => Promise<void>
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The registry refuses this kind of change altogether: stop rather than fail every tag the same way. */
function isRefusal(error: unknown): boolean {
  return (
    isRegistryCtlError(error) &&
    (error.exitCode === ExitCode.UNSUPPORTED ||
      error.exitCode === ExitCode.UNAUTHORIZED ||
      error.exitCode === ExitCode.DENIED)
  )
}

/** Fail fast, before touching anything, when the registry or the credentials cannot do the job. */
export async function preflight(client: RegistryClient, plan: DeletionPlan): Promise<void> {
  await preflightPlans(client, [plan])
}

/**
 * Tags that point, now, at a digest the plan deletes without the plan naming them on it: tags that
 * appeared since, and known tags that moved there since (a kept tag, or a planned tag of another
 * image). Deleting that digest would take them unseen. Every current tag is resolved: a moved tag
 * is as dangerous as a new one.
 */
async function unplannedTagsOnPlannedDigests(
  client: RegistryClient,
  plan: DeletionPlan,
): Promise<Map<string, string[]>> {
  const plannedOn = new Map(
    plan.digests.filter((digest) => digest.action === 'delete').map((digest) => [digest.digest, new Set(digest.tags)]),
  )
  const current = await client.tags(plan.name, {missingIsEmpty: true})
  const intruders = new Map<string, string[]>()
  await mapConcurrent(current, 2 * client.session.limit.concurrency, async (tag) => {
    const digest = await client.exists(plan.name, tag)
    const planned = digest === undefined ? undefined : plannedOn.get(digest)
    if (digest && planned && !planned.has(tag)) intruders.set(digest, [...(intruders.get(digest) ?? []), tag].sort())
  })
  return intruders
}

/**
 * Is the digest still there? A HEAD, looked at up to `attempts` times (each with the transport's own
 * retries) before giving up: 'present', 'absent', or the reason it could not be told.
 */
export async function lookAt(
  client: RegistryClient,
  name: string,
  digest: string,
  options: {attempts?: number; delayMs?: number} = {},
): Promise<'present' | 'absent' | {unknown: string}> {
  const attempts = options.attempts ?? 3
  let last: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return (await client.exists(name, digest)) === undefined ? 'absent' : 'present'
    } catch (error) {
      last = error
      if (isRefusal(error) || attempt === attempts) break

      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt, options.delayMs ?? 500, 5000)))
    }
  }

  return {unknown: message(last)}
}

/** Shared by the digests of one run: the first refusal stops new DELETEs like an interruption does. */
interface RunState {
  options: ExecuteOptions
  refusal?: unknown
  /** Aborted by the caller's signal or by the first refusal: no DELETE is sent after it. */
  stop: AbortController
}

function refuse(state: RunState, error: unknown): void {
  state.refusal ??= error
  state.stop.abort()
}

/**
 * Hand the image to `beforeDelete` (the recovery record). Undefined when it may go; otherwise why it
 * was not touched, and whether that is a SKIPPED (the run was stopped meanwhile: a record that could
 * not be written stops it) or a FAIL.
 */
async function recordFirst(
  state: RunState,
  image: ImageAboutToGo,
): Promise<{status: 'SKIPPED' | 'FAIL'; detail: string} | undefined> {
  if (!state.options.beforeDelete) return undefined
  try {
    await state.options.beforeDelete(image)
    return undefined
  } catch (error) {
    if (isRefusal(error)) refuse(state, error)
    // The record's own file failed (a full disk): the run stops (the caller's fail()), this image stays.
    if (!isRegistryCtlError(error) && typeof (error as NodeJS.ErrnoException).code === 'string')
      return {status: 'SKIPPED', detail: `not attempted: its recovery record could not be written (${message(error)})`}
    const halted = stopped(state)
    if (halted) return {status: 'SKIPPED', detail: halted}
    return {status: 'FAIL', detail: `not deleted: it could not be recorded for a restore (${message(error)})`}
  }
}

function stopped(state: RunState): string | undefined {
  if (state.refusal) return `not attempted: the registry refused an earlier deletion (${message(state.refusal)})`
  if (state.options.signal?.aborted) return 'not attempted: interrupted before its DELETE'
  return undefined
}

async function deleteDigest(
  client: RegistryClient,
  plan: DeletionPlan,
  digest: PlannedDigest,
  intruders: string[] | undefined,
  state: RunState,
): Promise<{digest: DigestOutcome; tags: TagOutcome[]}> {
  const planned = plan.tags.filter((entry) => entry.digest === digest.digest && entry.action === 'delete')
  const emit = (outcome: TagOutcome) => {
    state.options.onOutcome?.(outcome)
    return outcome
  }

  const all = (status: TagStatus, detail: string | undefined, entries = planned) =>
    entries.map((entry) => emit({tag: entry.tag, digest: entry.digest, status, detail}))
  if (intruders) {
    const detail = `not deleted: tag ${intruders.join(', ')} appeared on or moved onto this image after the plan was made`
    return {digest: {digest: digest.digest, status: 'SKIPPED', detail}, tags: all('CHANGED', detail)}
  }

  const notAttempted = stopped(state)
  if (notAttempted)
    return {
      digest: {digest: digest.digest, status: 'SKIPPED', detail: notAttempted},
      tags: all('SKIPPED', notAttempted),
    }

  // Re-resolve right before the DELETE: what was confirmed must still be what gets deleted.
  let now: Array<{entry: (typeof planned)[number]; current: string | undefined}>
  try {
    now = await Promise.all(planned.map(async (entry) => ({entry, current: await client.exists(plan.name, entry.tag)})))
  } catch (error) {
    if (isRefusal(error)) refuse(state, error)
    const detail = `not deleted: could not re-check its tags right before deleting (${message(error)})`
    return {digest: {digest: digest.digest, status: 'FAIL', detail}, tags: all('FAIL', detail)}
  }

  const outcomes: TagOutcome[] = []
  const still: typeof planned = []
  for (const {entry, current} of now) {
    if (current === undefined)
      outcomes.push(emit({tag: entry.tag, digest: entry.digest, status: 'GONE', detail: 'already gone'}))
    else if (current === digest.digest) still.push(entry)
    else
      outcomes.push(
        emit({
          tag: entry.tag,
          digest: entry.digest,
          status: 'CHANGED',
          detail: `now points at ${current}; not deleted`,
        }),
      )
  }

  if (planned.length > 0 && still.length === 0) {
    return {
      digest: {digest: digest.digest, status: 'SKIPPED', detail: 'none of its planned tags points at it any more'},
      tags: outcomes,
    }
  }

  const finish = (status: DigestOutcome['status'], detail?: string) => {
    outcomes.push(...all(status, detail, still))
    return {digest: {digest: digest.digest, status, detail}, tags: outcomes}
  }

  const unrecorded = await recordFirst(state, {
    name: plan.name,
    digest: digest.digest,
    tags: still.map((entry) => entry.tag),
  })
  if (unrecorded) return finish(unrecorded.status, unrecorded.detail)

  let unknown: string
  try {
    const result = await client.deleteManifest(plan.name, digest.digest, {signal: state.stop.signal})
    // A 202 is the registry saying it deleted it: trusted, no second look.
    if (!result.gone) return finish('DONE')
    // A 404 at the first attempt: deleted by someone else between our re-check and our DELETE.
    if (!result.retried) return finish('GONE', 'deleted by someone else right before our DELETE')
    unknown = 'the DELETE was retried and then answered 404'
  } catch (error) {
    if (error instanceof InterruptedError) {
      const detail = stopped(state) ?? 'not attempted: interrupted before its DELETE'
      return finish('SKIPPED', detail)
    }

    if (isRefusal(error)) {
      // Nothing was deleted (the registry refused): say so, and start no further DELETE.
      refuse(state, error)
      return finish('FAIL', `not deleted: ${message(error)}`)
    }

    unknown = message(error)
  }

  // The DELETE may or may not have happened: look before saying anything.
  const seen = await lookAt(client, plan.name, digest.digest, {
    attempts: state.options.lookAttempts,
    delayMs: state.options.lookDelayMs,
  })
  if (seen === 'absent') return finish('DONE', `confirmed gone by a HEAD after: ${unknown}`)
  if (seen === 'present') return finish('FAIL', `not deleted: ${unknown}`)
  return finish('UNKNOWN', `${unknown}; whether it was deleted could not be checked: ${seen.unknown}`)
}

async function untagDigest(
  client: RegistryClient,
  plan: DeletionPlan,
  digest: PlannedDigest,
  state: RunState,
): Promise<{digest: DigestOutcome; tags: TagOutcome[]}> {
  const planned = plan.tags.filter((entry) => entry.digest === digest.digest && entry.action === 'untag')
  const outcomes: TagOutcome[] = []
  const push = (outcome: TagOutcome) => {
    state.options.onOutcome?.(outcome)
    outcomes.push(outcome)
  }

  // Sequential per image: each move is verified before the next, and siblings are re-checked each time.
  for (const entry of planned) {
    const notAttempted = stopped(state)
    if (notAttempted) {
      push({tag: entry.tag, digest: entry.digest, status: 'SKIPPED', detail: notAttempted})
      continue
    }

    let current: string | undefined
    try {
      current = await client.exists(plan.name, entry.tag)
    } catch (error) {
      if (isRefusal(error)) refuse(state, error)
      push({
        tag: entry.tag,
        digest: entry.digest,
        status: 'FAIL',
        detail: `not touched: could not re-check it (${message(error)})`,
      })
      continue
    }

    if (current === undefined) {
      push({tag: entry.tag, digest: entry.digest, status: 'GONE', detail: 'already gone'})
      continue
    }

    if (current !== digest.digest) {
      push({tag: entry.tag, digest: entry.digest, status: 'CHANGED', detail: `now points at ${current}; not touched`})
      continue
    }

    const unrecorded = await recordFirst(state, {
      name: plan.name,
      digest: digest.digest,
      tags: [entry.tag],
      untag: true,
    })
    if (unrecorded) {
      push({tag: entry.tag, digest: entry.digest, ...unrecorded})
      continue
    }

    try {
      const method = await untag(client, plan.name, entry.tag, digest.digest, digest.mediaType)
      push({
        tag: entry.tag,
        digest: entry.digest,
        status: 'DONE',
        detail: method === 'placeholder' ? 'tag moved onto a placeholder, placeholder deleted' : 'tag deleted',
      })
    } catch (error) {
      if (isRefusal(error)) refuse(state, error)
      // Where did the tag end up? Look rather than guess.

      const after = await client.exists(plan.name, entry.tag).catch(() => null)
      if (after === undefined) {
        // The tag is gone; the image it shared must not be (a registry that deletes the manifest
        // for a tag DELETE takes the siblings the plan kept).

        const image = await lookAt(client, plan.name, digest.digest)
        const kept = digest.siblings.length > 0 ? ` (kept for ${digest.siblings.join(', ')})` : ''
        if (image === 'present')
          push({
            tag: entry.tag,
            digest: entry.digest,
            status: 'DONE',
            detail: `tag confirmed gone after: ${message(error)}`,
          })
        else if (image === 'absent')
          push({
            tag: entry.tag,
            digest: entry.digest,
            status: 'FAIL',
            detail: `tag removed, but the registry deleted its image${kept} too: ${message(error)}`,
          })
        else
          push({
            tag: entry.tag,
            digest: entry.digest,
            status: 'UNKNOWN',
            detail: `tag removed; whether its image${kept} survived could not be checked (${image.unknown})`,
          })
      } else if (after === null)
        push({
          tag: entry.tag,
          digest: entry.digest,
          status: 'UNKNOWN',
          detail: `${message(error)}; where the tag points now could not be checked`,
        })
      else if (after === digest.digest)
        push({tag: entry.tag, digest: entry.digest, status: 'FAIL', detail: `not removed: ${message(error)}`})
      else
        push({
          tag: entry.tag,
          digest: entry.digest,
          status: 'FAIL',
          detail: `left on placeholder ${after} (delete it with delete-manifest): ${message(error)}`,
        })
    }
  }

  const worst =
    outcomes.find((outcome) => outcome.status === 'UNKNOWN') ?? outcomes.find((outcome) => outcome.status === 'FAIL')
  return {
    digest: {
      digest: digest.digest,
      status: worst ? (worst.status as 'UNKNOWN' | 'FAIL') : 'DONE',
      detail: 'image kept for its other tags',
    },
    tags: outcomes,
  }
}

export async function executePlan(
  client: RegistryClient,
  plan: DeletionPlan,
  options: ExecuteOptions = {},
): Promise<DeletionResult> {
  const active = plan.digests.filter((digest) => digest.action !== 'blocked')
  // Interrupted before anything started: no request at all, every tag not attempted.
  const early = Boolean(options.signal?.aborted)
  if (!early) await preflight(client, plan)
  const intruders =
    active.length > 0 && !early && !options.planJustListed
      ? await unplannedTagsOnPlannedDigests(client, plan)
      : new Map<string, string[]>()
  const state: RunState = {options, stop: new AbortController()}
  if (options.signal?.aborted) state.stop.abort()
  options.signal?.addEventListener('abort', () => state.stop.abort(), {once: true})
  let handled = 0
  const results = await Promise.all(
    active.map(async (digest) => {
      const result =
        digest.action === 'untag'
          ? await untagDigest(client, plan, digest, state)
          : await deleteDigest(client, plan, digest, intruders.get(digest.digest), state)
      options.onProgress?.(++handled, active.length, result.digest)
      return result
    }),
  )
  return summarizeOutcomes(
    plan,
    results.flatMap((result) => result.tags),
    results.map((result) => result.digest),
    {interrupted: Boolean(options.signal?.aborted)},
  )
}

/** The result of a run from its outcomes, in plan order, KEPT tags included. */
export function summarizeOutcomes(
  plan: DeletionPlan,
  outcomes: TagOutcome[],
  digests: DigestOutcome[],
  options: {interrupted?: boolean} = {},
): DeletionResult {
  const byTag = new Map<string, TagOutcome>()
  for (const entry of plan.tags) {
    if (entry.action === 'kept')
      byTag.set(entry.tag, {tag: entry.tag, digest: entry.digest, status: 'KEPT', detail: entry.reason})
  }

  for (const outcome of outcomes) byTag.set(outcome.tag, outcome)
  const tags = [
    ...plan.tags.map((entry) => byTag.get(entry.tag)).filter((outcome): outcome is TagOutcome => outcome !== undefined),
  ]
  const counts: Record<TagStatus, number> = {DONE: 0, FAIL: 0, GONE: 0, KEPT: 0, CHANGED: 0, UNKNOWN: 0, SKIPPED: 0}
  for (const outcome of tags) counts[outcome.status]++
  // A planned tag still in place (moved, failed, unknown) is not "all done": scripts must see it.
  const failed = tags.some((outcome) => LEFT_IN_PLACE.has(outcome.status))
  const interrupted = Boolean(options.interrupted)
  return {
    registry: plan.registry,
    name: plan.name,
    tags,
    digests,
    counts,
    blocked: plan.blocked,
    interrupted,
    exitCode: interrupted
      ? ExitCode.INTERRUPTED
      : failed
        ? ExitCode.PARTIAL
        : plan.blocked
          ? ExitCode.BLOCKED
          : ExitCode.OK,
  }
}
