import * as Args from '@oclif/core/args'

import {RegistryCommand} from '../cli/base-command.js'
import {formatReference, parseImageReference} from '../lib/registry/reference.js'

export default class Resolve extends RegistryCommand {
  static override summary = 'Print the digest a tag points at.'
  static override description =
    'Resolved with a HEAD that accepts OCI and Docker manifests and indexes, so the digest is the one a DELETE would remove.'
  static override examples = ['<%= config.bin %> resolve registry.example.org/team/app:stable']

  static override args = {
    image: Args.string({required: true, description: 'host[:port]/name:tag (or @digest, to check it exists)'}),
  }

  async run(): Promise<{reference: string; digest: string; mediaType: string; size: number}> {
    const {args, flags} = await this.parse(Resolve)
    const reference = parseImageReference(args.image, {require: 'tag-or-digest'})
    const session = await this.buildSession(flags, reference.host)
    const descriptor = await session.client(reference).resolve(reference.name, reference.digest ?? reference.tag!)
    if (!this.jsonEnabled()) this.log(descriptor.digest)
    return {
      reference: formatReference(reference),
      digest: descriptor.digest,
      mediaType: descriptor.mediaType,
      size: descriptor.size,
    }
  }
}
