import * as Args from '@oclif/core/args'

import {RegistryCommand} from '../cli/base-command.js'
import {Inventory, type ImageSummary} from '../lib/registry/inventory.js'
import {formatReference, parseImageReference} from '../lib/registry/reference.js'
import {formatInspection} from '../cli/render/format.js'

export default class Inspect extends RegistryCommand {
  static override summary = 'Show what a tag or digest is: media type, digest, size, created, platforms, other tags.'
  static override examples = [
    '<%= config.bin %> inspect registry.example.org/team/app:stable',
    '<%= config.bin %> inspect registry.example.org/team/app@sha256:…',
  ]

  static override args = {
    image: Args.string({required: true, description: 'host[:port]/name:tag or host[:port]/name@digest'}),
  }

  async run(): Promise<{reference: string; otherTags: string[]} & ImageSummary> {
    const {args, flags} = await this.parse(Inspect)
    const reference = parseImageReference(args.image, {require: 'tag-or-digest'})
    const session = await this.buildSession(flags, reference.host)
    const inventory = new Inventory(session.client(reference))
    const progress = this.startProgress('resolving tags', session, inventory.progress)
    const [summary, tags] = await Promise.all([
      inventory.summarize(reference.name, reference.digest ?? reference.tag!),
      inventory.resolveAll(reference.name),
    ]).finally(() => progress.stop())
    const otherTags = tags
      .filter((entry) => entry.digest === summary.digest && entry.tag !== reference.tag)
      .map((entry) => entry.tag)
    const text = formatReference(reference)
    if (!this.jsonEnabled()) this.log(formatInspection(text, summary, otherTags).join('\n'))
    return {reference: text, ...summary, otherTags}
  }
}
