/**
 * Reading what a cleanup plan needs, and nothing more: the catalog, the tag list of each repository
 * some rule covers, every tag resolved to its digest (HEAD, all four Accept types: siblings are
 * decided per image), and image dates only for the tags of rules that use keep or older-than, each
 * image read once per digest across the whole registry (a manifest and its config).
 */

import type {RegistryClient} from '../registry/client.js'
import {mapConcurrent} from '../concurrency.js'
import {isRegistryCtlError, ExitCode, UsageError} from '../errors.js'
import {compareNames, type ImageSummary, Inventory} from '../registry/inventory.js'
import {walkRegistry} from '../registry/walk.js'
import {indexChildren, readPlanFile, writePlan} from '../deletion/gather.js'
import {planInconsistency} from '../deletion/plan.js'
import type {ResolvedRule} from './policy.js'
import {type CleanupPlan, compileRules, planRepository, type RepositoryTags} from './plan.js'

export interface GatherOptions {
  now?: Date
  /** Also read the images to delete whose size is not known yet (for metrics: bytes deleted). */
  sizes?: boolean
  policyFile?: string
  maxDelete?: number
  /** Called as repositories are read. */
  onProgress?: (done: number, total: number) => void
}

const isNotFound = (error: unknown) => isRegistryCtlError(error) && error.exitCode === ExitCode.NOT_FOUND

export async function gatherCleanupPlan(
  client: RegistryClient,
  rules: ResolvedRule[],
  options: GatherOptions = {},
): Promise<CleanupPlan> {
  const now = options.now ?? new Date()
  const compiled = compileRules(rules)
  const inventory = new Inventory(client)
  // Content-addressed: an image is the same in every repository that has it, so it is read once.
  const summaries = new Map<string, Promise<ImageSummary | undefined>>()
  const summarize = (name: string, digest: string) => {
    let summary = summaries.get(digest)
    if (!summary) {
      // Deleted meanwhile: no date (older-than and keep-N treat it as undated, so it is kept).
      summary = inventory.summarize(name, digest).catch((error: unknown) => {
        if (isNotFound(error)) return undefined
        throw error
      })
      summaries.set(digest, summary)
    }

    return summary
  }

  // The registry walk: a covered repository the credentials cannot read (restricted/ for the build
  // account) is set aside, named with its realm, and everything readable is still planned.
  const workers = 2 * client.session.limit.concurrency
  const walk = await walkRegistry(client, {
    select: (name) => compiled.some((rule) => rule.covers(name)),
    workers,
    onRepository: options.onProgress ? (_name, done, total) => options.onProgress!(done, total) : undefined,
    async read(name): Promise<RepositoryTags> {
      const listed = (await client.tags(name, {missingIsEmpty: true})).sort(compareNames)
      const dated = compiled.filter((rule) => rule.needsDates && rule.covers(name))
      const created = new Map<string, string | undefined>()
      const sizes: Record<string, number> = {}
      // Each image's date is read as soon as a HEAD resolves a tag to it, in that tag's task: no
      // phase waits for the slowest HEAD of the repository.
      const resolved = await mapConcurrent(listed, workers, async (tag) => {
        let entry
        try {
          const {digest, mediaType} = await client.resolve(name, tag)
          entry = {tag, digest, mediaType}
        } catch (error) {
          if (isNotFound(error)) return undefined // deleted between the listing and the HEAD
          throw error
        }

        if (dated.some((rule) => rule.selects(tag)) && !created.has(entry.digest)) {
          created.set(entry.digest, undefined)
          const summary = await summarize(name, entry.digest)
          created.set(entry.digest, summary?.created)
          if (summary) sizes[entry.digest] = summary.totalSize
        }

        return entry
      })
      const tags = resolved.filter((entry) => entry !== undefined)
      return {
        name,
        tags: tags.map((entry) => ({
          tag: entry.tag,
          digest: entry.digest,
          ...(created.get(entry.digest) === undefined ? {} : {created: created.get(entry.digest)}),
        })),
        mediaTypes: Object.fromEntries(tags.map((entry) => [entry.digest, entry.mediaType])),
        indexChildren: await indexChildren(client, name, tags),
        sizes,
      }
    },
  })
  const repositories = walk.repositories.map(({value}) => value).sort((a, b) => compareNames(a.name, b.name))

  const plans = repositories.map((repository) => planRepository(client.host, compiled, repository, now))
  if (options.sizes) {
    const unsized = plans.flatMap((plan) =>
      plan.digests
        .filter((digest) => digest.action === 'delete' && digest.size === undefined)
        .map((digest) => ({plan, digest})),
    )
    await mapConcurrent(unsized, workers, async ({plan, digest}) => {
      const summary = await summarize(plan.name, digest.digest)
      if (summary) digest.size = summary.totalSize
    })
  }

  return {
    kind: 'registryctl-cleanup-plan',
    version: 1,
    registry: client.host,
    createdAt: now.toISOString(),
    ...(options.policyFile === undefined ? {} : {policyFile: options.policyFile}),
    rules,
    ...(options.maxDelete === undefined ? {} : {maxDelete: options.maxDelete}),
    repositories: plans,
    unreadable: walk.unreadable,
  }
}

export async function writeCleanupPlan(path: string, plan: CleanupPlan): Promise<void> {
  await writePlan(path, plan)
}

export async function readCleanupPlan(path: string): Promise<CleanupPlan> {
  const parsed = await readPlanFile<CleanupPlan>(path)
  const valid =
    parsed.kind === 'registryctl-cleanup-plan' &&
    parsed.version === 1 &&
    typeof parsed.registry === 'string' &&
    Array.isArray(parsed.rules) &&
    Array.isArray(parsed.repositories) &&
    parsed.repositories.every(
      (repository) =>
        repository?.kind === 'registryctl-deletion-plan' &&
        typeof repository.name === 'string' &&
        Array.isArray(repository.tags) &&
        Array.isArray(repository.digests),
    )
  if (!valid) throw new UsageError(`${path} is not a registryctl cleanup plan (version 1)`)
  for (const repository of parsed.repositories!) {
    const inconsistency = planInconsistency(repository)
    if (inconsistency)
      throw new UsageError(
        `plan ${path} contradicts itself in ${repository.name}: ${inconsistency}; edit both its tags and its digests, or plan again`,
      )
  }

  return parsed as CleanupPlan
}
