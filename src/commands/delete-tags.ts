import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {DeletionCommand, deletionFlags} from '../cli/deletion-command.js'
import type {DeletionResult} from '../lib/deletion/execute.js'
import {gatherTagPlan, planReadsDates, readPlan} from '../lib/deletion/gather.js'
import type {DeletionPlan, SiblingPolicy} from '../lib/deletion/plan.js'
import {parseDuration} from '../lib/duration.js'
import {UsageError} from '../lib/errors.js'
import {Inventory} from '../lib/registry/inventory.js'
import {parseGlobReference, parseRegistry} from '../lib/registry/reference.js'

export default class DeleteTags extends DeletionCommand {
  static override summary = 'Delete tags selected by a glob, safely: plan, confirm, re-check, delete.'
  static override description = `On distribution 2.x deleting a tag deletes its image digest, and with it every other tag on that image. registryctl resolves every tag of the repository first and, by default, does not delete an image that tags you did not select still use (exit code 12): --include-siblings deletes them too, --keep-siblings removes only the selected tag names and keeps the image.

The glob selects from all tags, 40-hex (git sha1) ones included; a name without a glob selects every tag (the plan is shown and confirmed as always). Right before each deletion the tag is resolved again; if it moved, it is skipped ([CHANGED]).`

  static override examples = [
    `<%= config.bin %> delete-tags 'registry.example.org/team/app:2021-*'`,
    `<%= config.bin %> delete-tags 'registry.example.org/team/app:*' --older-than 90d --keep 5 --protect 'stable*' --yes`,
    `<%= config.bin %> delete-tags 'registry.example.org/team/app:2021-*' --dry-run --plan-out plan.json && <%= config.bin %> delete-tags --plan plan.json`,
  ]

  static override args = {
    image: Args.string({
      description: 'host[:port]/name[:GLOB]; without a GLOB, every tag (as docker-registryctl). Optional with --plan.',
    }),
  }

  static override flags = {
    ...deletionFlags,
    'include-siblings': Flags.boolean({
      exclusive: ['keep-siblings'],
      description: 'Also delete unselected tags that share an image with a selected one.',
    }),
    'keep-siblings': Flags.boolean({
      exclusive: ['include-siblings'],
      description: 'Remove only the selected tag names; keep images that other tags use (needs push rights).',
    }),
    keep: Flags.integer({
      min: 0,
      description: 'Never delete the N newest tags of the selection (by image created date).',
    }),
    'older-than': Flags.string({description: 'Only delete images created longer ago than this (90d, 12h, 2w).'}),
    protect: Flags.string({multiple: true, description: 'Never delete tags matching this glob (repeatable).'}),
    plan: Flags.string({
      description: 'Apply a plan written by --plan-out, re-verifying every tag.',
      exclusive: ['include-siblings', 'keep-siblings', 'keep', 'older-than', 'protect'],
    }),
  }

  async run(): Promise<{plan: DeletionPlan; result?: DeletionResult; dryRun?: boolean}> {
    const {args, flags} = await this.parse(DeleteTags)
    let plan: DeletionPlan
    let client
    let listingIsLast = false
    if (flags.plan) {
      plan = await readPlan(flags.plan)
      const given = args.image ? parseGlobReference(args.image) : undefined
      if (given && (given.host !== plan.registry || given.name !== plan.name))
        throw new UsageError(`the plan is for ${plan.registry}/${plan.name}, not ${given.host}/${given.name}`)
      const address = given ?? parseRegistry(plan.registry)
      const session = await this.buildSession(flags, address.host)
      client = session.client(address)
    } else {
      if (!args.image) throw new UsageError('give the tags to delete as host/name:GLOB, or --plan FILE')
      const reference = parseGlobReference(args.image)
      this.warnAboutGlobs(reference.pattern, ...(flags.protect ?? []))
      // docker-registryctl's `delete-tags HOST/NAME`: every tag (the plan is still shown and confirmed).
      reference.pattern ??= '*'
      const policy: SiblingPolicy = flags['include-siblings'] ? 'include' : flags['keep-siblings'] ? 'keep' : 'block'
      const olderThanMs = flags['older-than'] ? parseDuration(flags['older-than']) : undefined
      const session = await this.buildSession(flags, reference.host)
      client = session.client(reference)
      const inventory = new Inventory(client)
      const progress = this.startProgress('resolving tags', session, inventory.progress)
      // Created dates cost a manifest and a config per selected image: fetched when a retention rule
      // needs them or a person reviews the plan (a prompt, --dry-run, --plan-out), not for --yes runs.
      const dates = !flags.yes || flags['dry-run'] || Boolean(flags['plan-out'])
      const request = {
        name: reference.name,
        pattern: reference.pattern,
        policy,
        dates,
        keep: flags.keep,
        olderThanMs,
        protect: flags.protect,
        // The preflight's delete probe alongside the reads when the preflight follows the plan at once
        // (no prompt between): a dry run, or --yes.
        probeDeletes: flags['dry-run'] || flags.yes,
      }
      plan = await gatherTagPlan(client, request, inventory).finally(() => progress.stop())
      // The plan's listing is the last thing it read only when no dates were read after it (those
      // can take minutes on a cold cache, long enough for a tag to move): then it is fresh.
      listingIsLast = !planReadsDates(request)
    }

    return this.apply(client, plan, {...flags, plannedNow: listingIsLast})
  }
}
