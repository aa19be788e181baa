import {Args, Flags} from '@oclif/core'

import {RegistryCommand} from '../base-command.js'
import {ExitCode} from '../lib/errors.js'
import {Inventory, type RepositoryEntry} from '../lib/inventory.js'
import {listImagesPartially, type UnreadableRepository} from '../lib/partial-listing.js'
import {parseRegistry} from '../lib/reference.js'
import {formatListing, formatUnreadable} from '../render/format.js'

export default class ListImages extends RegistryCommand {
  static override summary = 'List the repositories of a registry and their tags.'
  static override description = `Tags are listed oldest first by the image's created date (for an index: its newest child's), or by name with --sort name, which needs only the tag lists and is much faster. 40-hex tags (git sha1 "naked" tags) are hidden unless --all-tags; repositories without tags (deleted ones stay in the catalog) unless --include-empty.

A repository the credentials cannot read (401/403, e.g. behind a restricted realm) is named on stderr with its realm and the rest is listed; the exit code is then 13.`

  static override examples = ['<%= config.bin %> list-images registry.example.org', '<%= config.bin %> list-images localhost:5000 --select "team/*" --sort name']

  static override args = {
    registry: Args.string({required: true, description: 'Registry host[:port], optionally with http:// or https://.'}),
  }

  static override flags = {
    select: Flags.string({description: 'Only repositories whose name matches this glob (fnmatch: * also matches /).'}),
    sort: Flags.string({options: ['created', 'name'], default: 'created', description: 'Order of the tags.'}),
    'all-tags': Flags.boolean({description: 'Also list 40-hex (git sha1) tags.'}),
    'include-empty': Flags.boolean({description: 'Also list repositories that have no tags.'}),
  }

  async run(): Promise<{registry: string; repositories: RepositoryEntry[]; unreadable: UnreadableRepository[]}> {
    const {args, flags} = await this.parse(ListImages)
    const address = parseRegistry(args.registry)
    this.warnAboutGlobs(flags.select)
    const session = await this.buildSession(flags, address.host)
    const {repositories, unreadable} = await listImagesPartially(new Inventory(session.client(address)), {
      select: flags.select,
      sort: flags.sort as 'created' | 'name',
      allTags: flags['all-tags'],
      includeEmpty: flags['include-empty'],
    })
    if (!this.jsonEnabled()) this.log(formatListing(repositories).join('\n'))
    // Repositories the credentials cannot read: named on stderr, the rest listed, exit 15.
    if (unreadable.length > 0) {
      if (!flags.silent && !this.jsonEnabled()) process.stderr.write(formatUnreadable(unreadable).map((line) => `registryctl: ${line}\n`).join(''))
      process.exitCode = ExitCode.LISTING_PARTIAL
    }

    return {registry: address.host, repositories, unreadable}
  }
}
