import * as Args from '@oclif/core/args'

import {DeletionCommand, deletionFlags} from '../cli/deletion-command.js'
import type {DeletionResult} from '../lib/deletion/execute.js'
import {gatherManifestPlan} from '../lib/deletion/gather.js'
import type {DeletionPlan} from '../lib/deletion/plan.js'
import {parseImageReference} from '../lib/registry/reference.js'

export default class DeleteManifest extends DeletionCommand {
  static override summary = 'Delete one manifest by digest, with every tag that points at it.'
  static override description =
    'The plan lists every tag that disappears with the digest; for an index, its platform manifests stay until garbage collection.'
  static override examples = ['<%= config.bin %> delete-manifest registry.example.org/team/app@sha256:…']

  static override args = {
    image: Args.string({required: true, description: 'host[:port]/name@sha256:…'}),
  }

  static override flags = {...deletionFlags}

  async run(): Promise<{plan: DeletionPlan; result?: DeletionResult; dryRun?: boolean}> {
    const {args, flags} = await this.parse(DeleteManifest)
    const reference = parseImageReference(args.image, {require: 'digest'})
    const session = await this.buildSession(flags, reference.host)
    const client = session.client(reference)
    return this.apply(client, await gatherManifestPlan(client, reference.name, reference.digest!), {
      ...flags,
      plannedNow: true,
    })
  }
}
