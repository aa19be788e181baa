/**
 * Reading what a plan needs from the registry: every tag of the repository resolved to its digest
 * (all four Accept types, so an index is never mistaken for its child), and the created dates of the
 * selected images. One listing, taken before the prompt; the executor re-checks, never re-selects.
 */
import {readFile, writeFile} from 'node:fs/promises'

import type {RegistryClient} from '../registry/client.js'
import {mapConcurrent} from '../concurrency.js'
import {ExitCode, isRegistryCtlError, UsageError} from '../errors.js'
import {fnmatcher} from '../glob.js'
import {Inventory} from '../registry/inventory.js'
import {isIndexType} from '../registry/manifests.js'
import {
  type DeletionPlan,
  planDeletion,
  planInconsistency,
  platformReason,
  type RetentionOptions,
  type SiblingPolicy,
  stayingIndexTags,
} from './plan.js'

/** Whether a tag plan reads created dates after its listing: asked for, or needed by a retention rule. */
export function planReadsDates(request: {dates?: boolean} & RetentionOptions): boolean {
  return request.dates !== false || request.keep !== undefined || request.olderThanMs !== undefined
}

/**
 * The platform manifests of one index, or undefined for an index deleted meanwhile (or a digest that
 * is no index after all): one manifest read, from the cache when it knows it.
 */
async function childrenOf(client: RegistryClient, name: string, digest: string): Promise<string[] | undefined> {
  try {
    const {manifest} = await client.manifest(name, digest, {cached: true})
    return manifest.kind === 'index' ? manifest.manifests.map((child) => child.digest) : undefined
  } catch (error) {
    if (!isRegistryCtlError(error) || error.exitCode !== ExitCode.NOT_FOUND) throw error
    return undefined
  }
}

/**
 * The platform manifests of each index among `resolved` (multi-arch images), by the index's digest:
 * one manifest read per distinct index (from the cache when it knows it). A repository of plain
 * images costs nothing. An index deleted meanwhile lists nothing.
 */
export async function indexChildren(
  client: RegistryClient,
  name: string,
  resolved: Array<{digest: string; mediaType: string}>,
): Promise<Record<string, string[]>> {
  const indexes = [...new Set(resolved.filter((entry) => isIndexType(entry.mediaType)).map((entry) => entry.digest))]
  const children: Record<string, string[]> = {}
  await mapConcurrent(indexes, 2 * client.session.limit.concurrency, async (digest) => {
    const platforms = await childrenOf(client, name, digest)
    if (platforms) children[digest] = platforms
  })
  return children
}

/**
 * `dates: false` skips the created dates (a manifest and a config per selected image): for a run
 * nobody reviews (--yes) with no retention rule that needs them. Retention rules always get them.
 *
 * Each image's reads (its date, an index's platforms) start as soon as the HEAD of its first tag
 * answers, in that tag's task: no phase waits for the slowest request of the one before, which on a
 * distant registry costs a round trip's tail per phase. `probeDeletes` sends the preflight's delete
 * probe alongside, for a preflight that follows the plan without a pause (a dry run, --yes).
 */
export async function gatherTagPlan(
  client: RegistryClient,
  request: {
    name: string
    pattern: string
    policy: SiblingPolicy
    missingIsEmpty?: boolean
    dates?: boolean
    probeDeletes?: boolean
  } & RetentionOptions,
  inventory = new Inventory(client),
): Promise<DeletionPlan> {
  const {dates: _dates, missingIsEmpty, probeDeletes, ...rules} = request
  if (probeDeletes) client.startDeleteProbe(request.name)
  const matches = fnmatcher(request.pattern)
  const readsDates = planReadsDates(request)
  const created = new Map<string, string | undefined>()
  const children: Record<string, string[]> = {}
  // Each image once, however many tags point at it: the first tag's task reads it.
  const started = new Set<string>()
  // A repository the registry does not know is an error (exit 7: a typo in a job must not pass as
  // "no tag matches"), unless the caller walks a catalog (Swift/S3 answer 404 for emptied repositories).
  const resolved = await inventory.resolveAll(request.name, {
    missingIsEmpty: missingIsEmpty ?? false,
    onResolved: async ({tag, digest, mediaType}) => {
      const needsDate = readsDates && matches(tag) && !started.has(`date ${digest}`)
      const needsChildren = isIndexType(mediaType) && !started.has(`children ${digest}`)
      if (needsDate) started.add(`date ${digest}`)
      if (needsChildren) started.add(`children ${digest}`)
      // One after the other: the second finds the index's manifest in the cache the first filled.
      if (needsDate) created.set(digest, (await inventory.summarizeResolved(request.name, digest)).created)
      if (needsChildren) {
        const platforms = await childrenOf(client, request.name, digest)
        if (platforms) children[digest] = platforms
      }
    },
  })

  return planDeletion({
    ...rules,
    registry: client.host,
    tags: resolved.map((entry) => ({tag: entry.tag, digest: entry.digest, created: created.get(entry.digest)})),
    mediaTypes: Object.fromEntries(resolved.map((entry) => [entry.digest, entry.mediaType])),
    indexChildren: children,
  })
}

/** Deleting one digest: every tag on it disappears with it, and the plan lists them. */
export async function gatherManifestPlan(client: RegistryClient, name: string, digest: string): Promise<DeletionPlan> {
  const inventory = new Inventory(client)
  // One GET gives the media type and the created date; a missing digest fails here (exit 7).
  const {mediaType, created} = await inventory.summarize(name, digest)
  const resolved = await inventory.resolveAll(name)
  const tags = resolved.filter((entry) => entry.digest === digest)
  // A platform of a tagged multi-arch image: deleting it would break that image's pulls.
  const children = await indexChildren(client, name, resolved)
  const indexTags = stayingIndexTags(digest, children, (index) => resolved.filter((entry) => entry.digest === index))
  const reason = platformReason(indexTags)
  const blocked = indexTags.length > 0
  return {
    kind: 'registryctl-deletion-plan',
    version: 1,
    registry: client.host,
    name,
    pattern: digest,
    policy: 'include',
    createdAt: new Date().toISOString(),
    tags: tags.map((entry) => ({
      tag: entry.tag,
      digest,
      created,
      selected: true,
      ...(blocked ? {action: 'kept', reason} : {action: 'delete'}),
    })),
    digests: [
      {digest, mediaType, action: blocked ? 'blocked' : 'delete', tags: tags.map((entry) => entry.tag), siblings: []},
    ],
    blocked,
  }
}

/** Writes a plan (a deletion plan, or any plan file registryctl applies later) as readable JSON. */
export async function writePlan(path: string, plan: object): Promise<void> {
  await writeFile(path, `${JSON.stringify(plan, null, 2)}\n`)
}

/** Reads a plan file's JSON; an unreadable or unparsable file is bad input (exit 2). Its shape is the caller's to check. */
export async function readPlanFile<T>(path: string): Promise<Partial<T>> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<T>
  } catch (error) {
    throw new UsageError(`cannot read plan ${path}: ${(error as Error).message}`, {cause: error})
  }
}

export async function readPlan(path: string): Promise<DeletionPlan> {
  const parsed = await readPlanFile<DeletionPlan>(path)
  if (
    parsed.kind !== 'registryctl-deletion-plan' ||
    parsed.version !== 1 ||
    !parsed.registry ||
    !parsed.name ||
    !Array.isArray(parsed.tags) ||
    !Array.isArray(parsed.digests)
  ) {
    throw new UsageError(`${path} is not a registryctl deletion plan (version 1)`)
  }

  const inconsistency = planInconsistency(parsed as DeletionPlan)
  if (inconsistency)
    throw new UsageError(
      `plan ${path} contradicts itself: ${inconsistency}; edit both its tags and its digests, or plan again`,
    )
  return parsed as DeletionPlan
}
