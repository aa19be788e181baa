/**
 * The homepage's own incremental state, kept between builds: which digest each published tag had
 * (tag -> digest) and what each digest is (digest -> summary: created date, size, platforms). A
 * manifest is content-addressed, so a summary read once stays true for as long as its digest is
 * tagged; a rebuild then only HEADs tags, and GETs manifests and configs for digests it never saw.
 */
import {readFile, rename, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {randomBytes} from 'node:crypto'

import type {ImageSummary} from '../registry/inventory.js'

export const STATE_VERSION = 1

export interface HomepageState {
  version: typeof STATE_VERSION
  /** The registry the state was read from: a state of another registry is not reused. */
  registry: string
  /** Published repositories: tag -> digest. */
  tags: Record<string, Record<string, string>>
  /** digest -> summary, for every digest a published tag points at. */
  summaries: Record<string, ImageSummary>
}

export function emptyState(registry: string): HomepageState {
  return {version: STATE_VERSION, registry, tags: {}, summaries: {}}
}

/**
 * The state of an earlier build of this registry, or an empty one when there is none. A state file
 * that cannot be read or belongs to another registry or version costs a full crawl, never a failure:
 * `warning` says why it was not used.
 */
export async function loadState(path: string, registry: string): Promise<{state: HomepageState; warning?: string}> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {state: emptyState(registry)}
    return {state: emptyState(registry), warning: `cannot read state ${path} (${(error as Error).message}): full crawl`}
  }

  try {
    const parsed = JSON.parse(text) as Partial<HomepageState>
    if (
      parsed?.version !== STATE_VERSION ||
      typeof parsed.tags !== 'object' ||
      typeof parsed.summaries !== 'object' ||
      !parsed.tags ||
      !parsed.summaries
    ) {
      return {state: emptyState(registry), warning: `state ${path} has an unknown layout: full crawl`}
    }

    if (parsed.registry !== registry)
      return {
        state: emptyState(registry),
        warning: `state ${path} is of registry ${parsed.registry}, not ${registry}: full crawl`,
      }
    return {state: parsed as HomepageState}
  } catch (error) {
    return {state: emptyState(registry), warning: `state ${path} is not JSON (${(error as Error).message}): full crawl`}
  }
}

/** Write the state atomically (a temporary file beside it, then rename), so a crash never leaves half a file. */
export async function saveState(path: string, state: HomepageState): Promise<void> {
  const temporary = join(dirname(path), `.state-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
  await writeFile(temporary, `${JSON.stringify(state)}\n`)
  await rename(temporary, path)
}
