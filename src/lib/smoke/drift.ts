/**
 * Do the nodes of an HA registry agree? Compares, across nodes, the catalog and the digest of every
 * tag (of the repositories matching a glob), and lists what differs. Every node is reached under the
 * service name, so a node that serves another certificate or another content shows up.
 */
import pLimit, {type LimitFunction} from 'p-limit'

import type {RegistryClient} from '../registry/client.js'
import {fnmatcher} from '../glob.js'
import {compareNames} from '../registry/inventory.js'

export interface DriftEntry {
  repository: string
  /** Absent for a repository-level difference (present on some nodes only). */
  tag?: string
  /** node → digest (or null: missing on that node). */
  values: Record<string, string | null>
}

export interface DriftReport {
  nodes: string[]
  repositories: number
  tags: number
  differences: DriftEntry[]
}

/**
 * One node's repositories and tag digests. Requests to a node are bounded by `limit` (a node in
 * trouble is the reason for the check; a thousand HEADs at once would only add to it).
 */
async function nodeState(
  client: RegistryClient,
  limit: LimitFunction,
  select?: string,
): Promise<Map<string, Map<string, string>>> {
  const matches = select ? fnmatcher(select) : () => true
  const names = (await client.repositories()).filter((name) => matches(name))
  const state = new Map<string, Map<string, string>>()
  await Promise.all(
    names.map(async (name) => {
      const tags = await limit(() => client.tags(name, {missingIsEmpty: true}))

      const digests = new Map<string, string>()
      await Promise.all(
        tags.map(async (tag) => {
          const digest = await limit(() => client.exists(name, tag))
          if (digest) digests.set(tag, digest)
        }),
      )
      state.set(name, digests)
    }),
  )
  return state
}

export async function compareNodes(
  nodes: Array<{node: string; client: RegistryClient}>,
  options: {select?: string; concurrency?: number} = {},
): Promise<DriftReport> {
  const states = await Promise.all(
    nodes.map(async ({node, client}) => ({
      node,
      state: await nodeState(client, pLimit(options.concurrency ?? 8), options.select),
    })),
  )
  const repositories = [...new Set(states.flatMap(({state}) => [...state.keys()]))].sort(compareNames)
  const differences: DriftEntry[] = []
  let tagCount = 0
  for (const repository of repositories) {
    const present = states.filter(({state}) => state.has(repository))
    if (present.length < states.length) {
      differences.push({
        repository,
        values: Object.fromEntries(states.map(({node, state}) => [node, state.has(repository) ? 'present' : null])),
      })
    }

    const tags = [...new Set(present.flatMap(({state}) => [...state.get(repository)!.keys()]))].sort(compareNames)
    tagCount += tags.length
    for (const tag of tags) {
      const values = Object.fromEntries(states.map(({node, state}) => [node, state.get(repository)?.get(tag) ?? null]))
      if (new Set(Object.values(values)).size > 1) differences.push({repository, tag, values})
    }
  }

  return {nodes: nodes.map(({node}) => node), repositories: repositories.length, tags: tagCount, differences}
}
