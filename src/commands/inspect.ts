import * as Args from '@oclif/core/args'

import {RegistryCommand} from '../cli/base-command.js'
import type {Session} from '../lib/registry/client.js'
import {Inventory, type ImageSummary} from '../lib/registry/inventory.js'
import {forEachReference} from '../lib/registry/many.js'
import {formatReference, type ImageReference, parseImageReference} from '../lib/registry/reference.js'
import {formatInspection} from '../cli/render/format.js'

type Inspection = {reference: string; otherTags: string[]} & ImageSummary

export default class Inspect extends RegistryCommand {
  static override summary = 'Show what a tag or digest is: media type, digest, size, created, platforms, other tags.'
  static override description =
    'Several references, or - to read them from stdin (one a line), are inspected concurrently in one process and printed in input order (--json: one object per line); a reference that fails is reported on its own line on stderr and the others still run (exit code: that of the first failed reference).'

  static override examples = [
    '<%= config.bin %> inspect registry.example.org/team/app:stable',
    '<%= config.bin %> inspect registry.example.org/team/app@sha256:…',
    '<%= config.bin %> inspect - < references.txt',
  ]

  static override strict = false

  static override args = {
    image: Args.string({
      required: true,
      description: 'host[:port]/name:tag or host[:port]/name@digest; several, or - for stdin',
    }),
  }

  async run(): Promise<Inspection | undefined> {
    const {argv, flags} = await this.parse(Inspect)
    const inputs = await this.manyReferences(argv as string[], flags)
    if (inputs) {
      const sessionFor = this.sessionsByHost(flags)
      // One inventory per registry, and one tag resolution per repository, whatever their references.
      const inventories = new Map<string, Promise<Inventory>>()
      const tagsByRepository = new Map<string, ReturnType<Inventory['resolveAll']>>()
      await forEachReference(
        inputs,
        2 * flags.concurrency,
        async (input) => {
          const reference = parseImageReference(input, {require: 'tag-or-digest'})
          const registry = `${reference.scheme ?? ''}|${reference.host}`
          let inventory = inventories.get(registry)
          if (!inventory) {
            inventory = sessionFor(reference.host).then((session) => new Inventory(session.client(reference)))
            inventories.set(registry, inventory)
          }

          const tagsOf = (name: string) => {
            let tags = tagsByRepository.get(`${registry}/${name}`)
            if (!tags) {
              tags = inventory.then((known) => known.resolveAll(name))
              tagsByRepository.set(`${registry}/${name}`, tags)
            }

            return tags
          }

          return inspect(reference, await inventory, tagsOf)
        },
        (outcome) => {
          if ('error' in outcome) return this.reportReferenceFailure(outcome.input, outcome.error)
          const {reference, otherTags, ...summary} = outcome.value
          this.writeReferenceResult(
            outcome.value,
            () => `${formatInspection(reference, summary, otherTags).join('\n')}\n`,
          )
        },
      )
      return undefined
    }

    const reference = parseImageReference(argv[0] as string, {require: 'tag-or-digest'})
    const session: Session = await this.buildSession(flags, reference.host)
    const inventory = new Inventory(session.client(reference))
    const progress = this.startProgress('resolving tags', session, inventory.progress)
    const inspection = await inspect(reference, inventory, (name) => inventory.resolveAll(name)).finally(() =>
      progress.stop(),
    )
    if (!this.jsonEnabled())
      this.log(formatInspection(inspection.reference, inspection, inspection.otherTags).join('\n'))
    return inspection
  }
}

/** The image a reference points at, and the other tags of its repository on the same digest. */
async function inspect(
  reference: ImageReference,
  inventory: Inventory,
  tagsOf: (name: string) => ReturnType<Inventory['resolveAll']>,
): Promise<Inspection> {
  const [summary, tags] = await Promise.all([
    inventory.summarize(reference.name, reference.digest ?? reference.tag!),
    tagsOf(reference.name),
  ])
  const otherTags = tags
    .filter((entry) => entry.digest === summary.digest && entry.tag !== reference.tag)
    .map((entry) => entry.tag)
  return {reference: formatReference(reference), ...summary, otherTags}
}
