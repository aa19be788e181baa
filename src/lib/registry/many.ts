/**
 * Many references in one call (scripts that resolve, inspect or list hundreds of images): each is
 * read concurrently on a shared session, so Node starts once and connections and tokens are reused,
 * and each one's outcome is data: a bad reference does not stop the others. Outcomes are handed
 * over in input order, each as soon as it and every earlier one are done, so a pipe reads them as
 * they come.
 */
import {mapConcurrent} from '../concurrency.js'
import {isRegistryCtlError, type RegistryCtlError} from '../errors.js'
import type {Session} from './client.js'
import type {Descriptor} from './manifests.js'
import {formatReference, parseImageReference} from './reference.js'

export type ReferenceOutcome<T> = {input: string; value: T} | {input: string; error: RegistryCtlError}

/**
 * The lines of a reference list (stdin of `resolve -`): one reference a line, surrounding blanks
 * trimmed, blank lines and `#` comments skipped.
 */
export function referenceLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/**
 * `work` for every input, `workers` at a time (the session's request limit bounds the requests;
 * twice as many tasks keep it busy while a task waits between two requests). A RegistryCtlError is
 * that input's outcome; anything else is a bug and fails the whole call.
 */
export async function forEachReference<T>(
  inputs: readonly string[],
  workers: number,
  work: (input: string) => Promise<T>,
  onOutcome?: (outcome: ReferenceOutcome<T>, index: number) => void,
): Promise<Array<ReferenceOutcome<T>>> {
  const outcomes = new Array<ReferenceOutcome<T> | undefined>(inputs.length)
  let delivered = 0
  const deliverInOrder = () => {
    while (delivered < inputs.length && outcomes[delivered] !== undefined) {
      onOutcome?.(outcomes[delivered]!, delivered)
      delivered++
    }
  }

  await mapConcurrent(inputs, workers, async (input, index) => {
    try {
      outcomes[index] = {input, value: await work(input)}
    } catch (error) {
      if (!isRegistryCtlError(error)) throw error
      outcomes[index] = {input, error}
    }

    deliverInOrder()
  })
  return outcomes as Array<ReferenceOutcome<T>>
}

export interface ResolvedReference extends Descriptor {
  reference: string
}

/**
 * Every reference resolved to the digest a DELETE would remove (a HEAD with all four Accept types),
 * on the session `sessionFor` gives for its registry, in input order.
 */
export async function resolveReferences(
  inputs: readonly string[],
  sessionFor: (host: string) => Promise<Session>,
  options: {workers?: number; onOutcome?: (outcome: ReferenceOutcome<ResolvedReference>, index: number) => void} = {},
): Promise<Array<ReferenceOutcome<ResolvedReference>>> {
  return forEachReference(
    inputs,
    options.workers ?? 16,
    async (input) => {
      const reference = parseImageReference(input, {require: 'tag-or-digest'})
      const session = await sessionFor(reference.host)
      const descriptor = await session.client(reference).resolve(reference.name, reference.digest ?? reference.tag!)
      return {reference: formatReference(reference), ...descriptor}
    },
    options.onOutcome,
  )
}
