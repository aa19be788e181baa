import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../cli/base-command.js'
import {Inventory, type RepositoryEntry} from '../lib/registry/inventory.js'
import type {UnreadableRepository} from '../lib/registry/walk.js'
import {parseRegistry} from '../lib/registry/reference.js'
import {formatListing} from '../cli/render/format.js'
import {reportUnreadable} from '../cli/partial-access.js'

export default class ListImages extends RegistryCommand {
  static override summary = 'List the repositories of a registry and their tags.'
  static override description = `Tags are listed by name, which needs only the catalog and one tag list per repository. --sort created lists them oldest first by the image's created date (for an index: its newest child's) instead; that costs two more requests per tag (its manifest and its image config; fetched once per image, and from the cache on later runs). 40-hex tags (git sha1 "naked" tags) are hidden unless --all-tags; repositories without tags (deleted ones stay in the catalog) unless --include-empty.

A repository the credentials cannot read (401/403, e.g. behind a restricted realm) is named on stderr with its realm and the rest is listed; the exit code is then 15.`

  static override examples = [
    '<%= config.bin %> list-images registry.example.org',
    '<%= config.bin %> list-images localhost:5000 --select "team/*" --sort created',
  ]

  static override args = {
    registry: Args.string({required: true, description: 'Registry host[:port], optionally with http:// or https://.'}),
  }

  static override flags = {
    select: Flags.string({description: 'Only repositories whose name matches this glob (fnmatch: * also matches /).'}),
    sort: Flags.string({
      options: ['name', 'created'],
      default: 'name',
      description: 'Order of the tags; created costs two requests per tag.',
    }),
    'all-tags': Flags.boolean({description: 'Also list 40-hex (git sha1) tags.'}),
    'include-empty': Flags.boolean({description: 'Also list repositories that have no tags.'}),
  }

  async run(): Promise<{registry: string; repositories: RepositoryEntry[]; unreadable: UnreadableRepository[]}> {
    const {args, flags} = await this.parse(ListImages)
    const address = parseRegistry(args.registry)
    this.warnAboutGlobs(flags.select)
    const session = await this.buildSession(flags, address.host)
    const inventory = new Inventory(session.client(address))
    const progress = this.startProgress('listing', session, inventory.progress)
    const {repositories, unreadable} = await inventory
      .listImages({
        select: flags.select,
        sort: flags.sort as 'created' | 'name',
        allTags: flags['all-tags'],
        includeEmpty: flags['include-empty'],
      })
      .finally(() => progress.stop())
    if (!this.jsonEnabled()) this.log(formatListing(repositories).join('\n'))
    reportUnreadable(unreadable, 'listed', {json: this.jsonEnabled()})
    return {registry: address.host, repositories, unreadable}
  }
}
