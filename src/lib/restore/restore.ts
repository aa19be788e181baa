/**
 * Undoing a deletion from its recovery record (src/lib/deletion/recovery.ts), until the garbage
 * collector runs:
 *  - which tags: the most recent record of each tag matching the glob, else every tag the last run
 *    that deleted in the repository deleted (or those of one run, by id);
 *  - the plan, before anything is written: every blob the manifests reference is HEADed in the
 *    repository (a missing one: the collector has run, the tag is [LOST]); each tag is resolved: on
 *    the recorded image already (nothing to do), or pushed again elsewhere meanwhile ([EXISTS]: never
 *    moved unless forced);
 *  - applying it: an index's children PUT by digest before the index, then each tag PUT with the
 *    recorded bytes and media type, the registry's digest checked against the recorded one; a PUT
 *    whose answer is lost is resolved by looking (a HEAD of the tag), never guessed;
 *  - interruption (an AbortSignal): no PUT after it fires, the tags not attempted are [SKIPPED].
 */
import {mapConcurrent} from '../concurrency.js'
import {ExitCode, isRegistryCtlError, RegistryResponseError} from '../errors.js'
import {fnmatcher} from '../glob.js'
import type {RegistryClient} from '../registry/client.js'
import {type Descriptor, parseManifest} from '../registry/manifests.js'
import {type RecordedImage, type RecordedManifest, type RecordedRun, wasDeleted} from '../deletion/recovery.js'

export type RestoreStatus = 'RESTORED' | 'LOST' | 'EXISTS' | 'FAIL' | 'SKIPPED'

export interface RestoreOutcome {
  tag: string
  digest: string
  status: RestoreStatus
  detail?: string
}

/** A recorded tag a restore may put back. */
export interface RestoreCandidate {
  tag: string
  /** The run that deleted it, and when. */
  run: string
  time: string
  image: RecordedImage
}

/** What a restore would do with a tag: PUT it, nothing (already there), or nothing it can (lost, moved). */
export interface RestorePlanEntry extends RestoreCandidate {
  action: 'put' | 'in-place' | 'lost' | 'exists'
  /** Where the tag points now, when it exists. */
  current?: string
  /** The blobs (and child manifests) the collector has removed. */
  missing: string[]
}

export interface RestoreResult {
  registry: string
  name: string
  outcomes: RestoreOutcome[]
  counts: Record<RestoreStatus, number>
  interrupted: boolean
  /** 0 all restored, 130 interrupted, 10 otherwise (some lost, moved, failed). */
  exitCode: number
}

/**
 * The recorded tags of `registry/name` to restore: with `runId`, that run's; else, with a glob, the
 * most recent record of each matching tag; else every tag of the last run that deleted in the
 * repository. Tags whose DELETE the record says was never sent are left out.
 */
export function selectCandidates(
  runs: RecordedRun[],
  options: {registry: string; name: string; pattern?: string; runId?: string; every?: boolean},
): RestoreCandidate[] {
  const matches = options.pattern ? fnmatcher(options.pattern) : undefined
  const perRun = (run: RecordedRun) => {
    const byTag = new Map<string, RestoreCandidate>()
    for (const image of run.images) {
      if (image.registry !== options.registry || image.name !== options.name) continue
      for (const tag of image.tags)
        if (wasDeleted(run, image, tag) && (!matches || matches(tag)))
          byTag.set(tag, {tag, run: run.id, time: image.time, image})
    }

    return byTag
  }

  // Everything recorded (--list): newest run first.
  if (options.every) return [...runs].reverse().flatMap((run) => [...perRun(run).values()])

  if (options.runId) {
    const run = runs.find((candidate) => candidate.id === options.runId)
    return run ? [...perRun(run).values()] : []
  }

  if (options.pattern) {
    const latest = new Map<string, RestoreCandidate>()
    for (const run of runs) for (const [tag, candidate] of perRun(run)) latest.set(tag, candidate)
    return [...latest.values()]
  }

  for (const run of [...runs].reverse()) {
    const found = perRun(run)
    if (found.size > 0) return [...found.values()]
  }

  return []
}

const bytesOf = (manifest: RecordedManifest) => Buffer.from(manifest.manifest, 'base64')

/** The blobs an image (or every child of an index) references; foreign layers (with URLs) are not in the registry. */
function blobsOf(manifest: RecordedManifest): string[] {
  const parsed = parseManifest(bytesOf(manifest), manifest.mediaType)
  if (parsed.kind === 'index') return []
  const inRegistry = (descriptor: Descriptor & {urls?: unknown}) => !Array.isArray(descriptor.urls)
  return [parsed.config, ...parsed.layers].filter(inRegistry).map((descriptor) => descriptor.digest)
}

/**
 * What of the recorded image the repository no longer holds: blobs (HEAD), and index children the
 * record could not hold that are gone too. Empty: the image can be restored byte for byte.
 */
export async function missingParts(client: RegistryClient, image: RecordedImage): Promise<string[]> {
  const blobs = [...new Set([image, ...image.children].flatMap((manifest) => blobsOf(manifest)))]
  const concurrency = 2 * client.session.limit.concurrency
  const present = await mapConcurrent(blobs, concurrency, (digest) => client.blobExists(image.name, digest))
  const children = await mapConcurrent(image.missingChildren ?? [], concurrency, async (digest) =>
    (await client.exists(image.name, digest)) === digest ? undefined : digest,
  )
  return [...blobs.filter((_, index) => !present[index]), ...children.filter((digest) => digest !== undefined)]
}

/** Look at the registry and decide, for each candidate, what a restore does. Writes nothing. */
export async function planRestore(
  client: RegistryClient,
  candidates: RestoreCandidate[],
  options: {force?: boolean} = {},
): Promise<RestorePlanEntry[]> {
  const missingByDigest = new Map<string, Promise<string[]>>()
  const concurrency = 2 * client.session.limit.concurrency
  return mapConcurrent(candidates, concurrency, async (candidate) => {
    const {image} = candidate
    if (!missingByDigest.has(image.digest)) missingByDigest.set(image.digest, missingParts(client, image))
    const [missing, current] = await Promise.all([
      missingByDigest.get(image.digest)!,
      client.exists(image.name, candidate.tag),
    ])
    const action: RestorePlanEntry['action'] =
      current === image.digest
        ? 'in-place'
        : missing.length > 0
          ? 'lost'
          : current !== undefined && !options.force
            ? 'exists'
            : 'put'
    return {...candidate, action, missing, ...(current === undefined ? {} : {current})}
  })
}

/** Why a planned tag is not PUT: its outcome without a request. */
export function describeUnput(entry: RestorePlanEntry): RestoreOutcome | undefined {
  const {tag, image} = entry
  switch (entry.action) {
    case 'in-place': {
      return {tag, digest: image.digest, status: 'RESTORED', detail: 'already points at the recorded image'}
    }

    case 'lost': {
      const [first] = entry.missing
      return {
        tag,
        digest: image.digest,
        status: 'LOST',
        detail: `cannot be restored: garbage collection has removed ${entry.missing.length} blob(s) of its image (${first}${entry.missing.length > 1 ? ', …' : ''})`,
      }
    }

    case 'exists': {
      return {
        tag,
        digest: image.digest,
        status: 'EXISTS',
        detail: `pushed again since: now points at ${entry.current}; not moved (--force moves it back)`,
      }
    }

    case 'put': {
      return undefined
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The registry says a blob the manifest references is gone: the collector ran between plan and PUT. */
const isBlobUnknown = (error: unknown) =>
  error instanceof RegistryResponseError && (error.has('MANIFEST_BLOB_UNKNOWN') || error.has('BLOB_UNKNOWN'))

/**
 * PUT `manifest` under `reference` and check the registry stored the recorded digest. A PUT that
 * failed is looked at (HEAD): the registry may have stored it and lost the answer.
 */
async function put(
  client: RegistryClient,
  name: string,
  reference: string,
  manifest: RecordedManifest,
): Promise<{ok: true; detail?: string} | {ok: false; lost: boolean; detail: string}> {
  try {
    const stored = await client.pushManifest(name, reference, bytesOf(manifest), manifest.mediaType)
    if (stored === manifest.digest) return {ok: true}
    return {ok: false, lost: false, detail: `the registry stored it as ${stored}, not ${manifest.digest}`}
  } catch (error) {
    if (isBlobUnknown(error))
      return {ok: false, lost: true, detail: `cannot be restored: the registry lacks its blobs (${message(error)})`}
    if (
      isRegistryCtlError(error) &&
      [ExitCode.UNAUTHORIZED, ExitCode.DENIED, ExitCode.UNSUPPORTED].includes(error.exitCode as 5)
    )
      return {ok: false, lost: false, detail: `not restored: ${message(error)}`}
    const seen = await client.exists(name, reference).catch((lookError: unknown) => ({unknown: message(lookError)}))
    if (seen === manifest.digest) return {ok: true, detail: `confirmed by a HEAD after: ${message(error)}`}
    if (typeof seen === 'object')
      return {
        ok: false,
        lost: false,
        detail: `${message(error)}; whether it was restored could not be checked: ${seen.unknown}`,
      }
    return {ok: false, lost: false, detail: `not restored: ${message(error)}`}
  }
}

/**
 * Apply a restore plan: per image, its children by digest, then its tags; one outcome per tag,
 * handed to `onOutcome` as it is known.
 */
export async function executeRestore(
  client: RegistryClient,
  plan: RestorePlanEntry[],
  options: {signal?: AbortSignal; onOutcome?: (outcome: RestoreOutcome) => void} = {},
): Promise<RestoreResult> {
  const outcomes = new Map<string, RestoreOutcome>()
  const emit = (outcome: RestoreOutcome) => {
    outcomes.set(outcome.tag, outcome)
    options.onOutcome?.(outcome)
  }

  for (const entry of plan) {
    const done = describeUnput(entry)
    if (done) emit(done)
  }

  const byDigest = new Map<string, RestorePlanEntry[]>()
  for (const entry of plan.filter((candidate) => candidate.action === 'put'))
    byDigest.set(entry.image.digest, [...(byDigest.get(entry.image.digest) ?? []), entry])

  // One image after the other: each image's children must be in before its index, and a restore is small.
  for (const entries of byDigest.values()) {
    const {image} = entries[0]!
    const stopped = () => options.signal?.aborted
    const all = (status: RestoreStatus, detail: string) =>
      entries.forEach((entry) => emit({tag: entry.tag, digest: image.digest, status, detail}))
    if (stopped()) {
      all('SKIPPED', 'not attempted: interrupted before its restore')
      continue
    }

    let childFailure: {lost: boolean; detail: string} | undefined
    for (const child of image.children) {
      const result = await put(client, image.name, child.digest, child)
      if (!result.ok) {
        childFailure = {lost: result.lost, detail: `platform manifest ${child.digest}: ${result.detail}`}
        break
      }
    }

    if (childFailure) {
      all(childFailure.lost ? 'LOST' : 'FAIL', childFailure.detail)
      continue
    }

    for (const entry of entries) {
      if (stopped()) {
        emit({tag: entry.tag, digest: image.digest, status: 'SKIPPED', detail: 'not attempted: interrupted'})
        continue
      }

      const result = await put(client, image.name, entry.tag, image)
      if (result.ok) emit({tag: entry.tag, digest: image.digest, status: 'RESTORED', detail: result.detail})
      else emit({tag: entry.tag, digest: image.digest, status: result.lost ? 'LOST' : 'FAIL', detail: result.detail})
    }
  }

  return summarizeRestore(client.host, plan[0]?.image.name ?? '', plan, outcomes, Boolean(options.signal?.aborted))
}

function summarizeRestore(
  registry: string,
  name: string,
  plan: RestorePlanEntry[],
  byTag: Map<string, RestoreOutcome>,
  interrupted: boolean,
): RestoreResult {
  const outcomes = plan.map((entry) => byTag.get(entry.tag)).filter((outcome) => outcome !== undefined)
  const counts: Record<RestoreStatus, number> = {RESTORED: 0, LOST: 0, EXISTS: 0, FAIL: 0, SKIPPED: 0}
  for (const outcome of outcomes) counts[outcome.status]++
  const allRestored = counts.RESTORED === outcomes.length
  return {
    registry,
    name,
    outcomes,
    counts,
    interrupted,
    exitCode: interrupted ? ExitCode.INTERRUPTED : allRestored ? ExitCode.OK : ExitCode.PARTIAL,
  }
}

/**
 * How many recorded deletions of a registry the next collection would make permanent: the latest
 * record of each deleted tag whose image still has every blob, and whose tag is not back already.
 * Repositories the credentials cannot read are counted as unknown.
 */
export async function countRestorable(
  client: RegistryClient,
  runs: RecordedRun[],
): Promise<{restorableTags: number; restorableImages: number; lostTags: number; unknownTags: number}> {
  const latest = new Map<string, RestoreCandidate>()
  for (const run of runs)
    for (const image of run.images) {
      if (image.registry !== client.host) continue
      for (const tag of image.tags)
        if (wasDeleted(run, image, tag)) latest.set(`${image.name}:${tag}`, {tag, run: run.id, time: image.time, image})
    }

  const counts = {restorableTags: 0, restorableImages: 0, lostTags: 0, unknownTags: 0}
  const images = new Set<string>()
  const missing = new Map<string, Promise<string[]>>()
  await mapConcurrent([...latest.values()], 2 * client.session.limit.concurrency, async ({tag, image}) => {
    const key = `${image.name}@${image.digest}`
    if (!missing.has(key)) missing.set(key, missingParts(client, image))
    try {
      const [gone, current] = await Promise.all([missing.get(key)!, client.exists(image.name, tag)])
      if (current === image.digest) return
      if (gone.length > 0) counts.lostTags++
      else {
        counts.restorableTags++
        images.add(key)
      }
    } catch (error) {
      if (!isRegistryCtlError(error)) throw error
      counts.unknownTags++
    }
  })
  counts.restorableImages = images.size
  return counts
}
