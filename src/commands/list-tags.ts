import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../cli/base-command.js'
import {Inventory, type RepositoryEntry} from '../lib/registry/inventory.js'
import {forEachReference} from '../lib/registry/many.js'
import {formatReference, parseGlobReference} from '../lib/registry/reference.js'
import {formatListing} from '../cli/render/format.js'

export default class ListTags extends RegistryCommand {
  static override summary = 'List the tags of one repository, optionally selected by a glob.'
  static override description = `Tags are listed oldest first by image created date, or by name with --sort name. 40-hex tags are hidden unless --all-tags.

Several repositories, or - to read them from stdin (one a line), are listed concurrently in one process and printed in input order (--json: one object per line); one that fails is reported on its own line on stderr and the others are still listed (exit code: that of the first failed one).`

  static override examples = [
    '<%= config.bin %> list-tags registry.example.org/team/app',
    `<%= config.bin %> list-tags 'registry.example.org/team/app:2021-*'`,
    '<%= config.bin %> list-tags --sort name - < repositories.txt',
  ]

  static override strict = false

  static override args = {
    image: Args.string({required: true, description: 'host[:port]/name[:GLOB]; several, or - for stdin'}),
  }

  static override flags = {
    sort: Flags.string({options: ['created', 'name'], default: 'created', description: 'Order of the tags.'}),
    'all-tags': Flags.boolean({description: 'Also list 40-hex (git sha1) tags.'}),
  }

  async run(): Promise<({image: string} & RepositoryEntry) | undefined> {
    const {argv, flags} = await this.parse(ListTags)
    const selection = {allTags: flags['all-tags'], sort: flags.sort as 'created' | 'name'}
    const inputs = await this.manyReferences(argv as string[], flags)
    if (inputs) {
      const sessionFor = this.sessionsByHost(flags)
      // One inventory per registry: images shared by several repositories are read once.
      const inventories = new Map<string, Promise<Inventory>>()
      await forEachReference(
        inputs,
        2 * flags.concurrency,
        async (input) => {
          const reference = parseGlobReference(input)
          this.warnAboutGlobs(reference.pattern)
          const registry = `${reference.scheme ?? ''}|${reference.host}`
          let inventory = inventories.get(registry)
          if (!inventory) {
            inventory = sessionFor(reference.host).then((session) => new Inventory(session.client(reference)))
            inventories.set(registry, inventory)
          }

          const entry = await (await inventory).listTags(reference.name, {...selection, pattern: reference.pattern})
          return {image: formatReference(reference), ...entry}
        },
        (outcome) => {
          if ('error' in outcome) return this.reportReferenceFailure(outcome.input, outcome.error)
          // Each repository its own listing, as one call per repository printed it.
          this.writeReferenceResult(outcome.value, () => formatListing([outcome.value]).join('\n'))
        },
      )
      return undefined
    }

    const reference = parseGlobReference(argv[0] as string)
    this.warnAboutGlobs(reference.pattern)
    const session = await this.buildSession(flags, reference.host)
    const inventory = new Inventory(session.client(reference))
    const progress = this.startProgress('listing', session, inventory.progress)
    const entry = await inventory
      .listTags(reference.name, {...selection, pattern: reference.pattern})
      .finally(() => progress.stop())
    const image = formatReference(reference)
    if (!this.jsonEnabled()) this.log(formatListing([entry]).join('\n'))
    return {image, ...entry}
  }
}
