import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../cli/base-command.js'
import {Inventory, type RepositoryEntry} from '../lib/registry/inventory.js'
import {formatReference, parseGlobReference} from '../lib/registry/reference.js'
import {formatListing} from '../cli/render/format.js'

export default class ListTags extends RegistryCommand {
  static override summary = 'List the tags of one repository, optionally selected by a glob.'
  static override description =
    'Tags are listed oldest first by image created date, or by name with --sort name. 40-hex tags are hidden unless --all-tags.'
  static override examples = [
    '<%= config.bin %> list-tags registry.example.org/team/app',
    `<%= config.bin %> list-tags 'registry.example.org/team/app:2021-*'`,
  ]

  static override args = {
    image: Args.string({required: true, description: 'host[:port]/name[:GLOB]'}),
  }

  static override flags = {
    sort: Flags.string({options: ['created', 'name'], default: 'created', description: 'Order of the tags.'}),
    'all-tags': Flags.boolean({description: 'Also list 40-hex (git sha1) tags.'}),
  }

  async run(): Promise<{image: string} & RepositoryEntry> {
    const {args, flags} = await this.parse(ListTags)
    const reference = parseGlobReference(args.image)
    this.warnAboutGlobs(reference.pattern)
    const session = await this.buildSession(flags, reference.host)
    const inventory = new Inventory(session.client(reference))
    const progress = this.startProgress('listing', session, inventory.progress)
    const entry = await inventory
      .listTags(reference.name, {
        pattern: reference.pattern,
        allTags: flags['all-tags'],
        sort: flags.sort as 'created' | 'name',
      })
      .finally(() => progress.stop())
    const image = formatReference(reference)
    if (!this.jsonEnabled()) this.log(formatListing([entry]).join('\n'))
    return {image, ...entry}
  }
}
