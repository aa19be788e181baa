import * as Args from '@oclif/core/args'

import {RegistryCommand} from '../cli/base-command.js'
import {resolveReferences} from '../lib/registry/many.js'
import {formatReference, parseImageReference} from '../lib/registry/reference.js'

type Resolved = {reference: string; digest: string; mediaType: string; size: number}

export default class Resolve extends RegistryCommand {
  static override summary = 'Print the digest a tag points at.'
  static override description = `Resolved with a HEAD that accepts OCI and Docker manifests and indexes, so the digest is the one a DELETE would remove.

With several references, or - to read them from stdin (one a line; blank lines and # comments skipped), they are resolved concurrently in one process and printed in input order as REFERENCE<TAB>DIGEST lines (--json: one object per line). A reference that fails is reported on its own line on stderr (registryctl: REFERENCE: reason) and the others still resolve; the exit code is then that of the first failed reference.`

  static override examples = [
    '<%= config.bin %> resolve registry.example.org/team/app:stable',
    '<%= config.bin %> resolve - < references.txt',
  ]

  static override strict = false

  static override args = {
    image: Args.string({
      required: true,
      description: 'host[:port]/name:tag (or @digest, to check it exists); several, or - for stdin',
    }),
  }

  async run(): Promise<Resolved | undefined> {
    const {argv, flags} = await this.parse(Resolve)
    const inputs = await this.manyReferences(argv as string[], flags)
    if (inputs) {
      await resolveReferences(inputs, this.sessionsByHost(flags), {
        workers: 2 * flags.concurrency,
        onOutcome: (outcome) => {
          if ('error' in outcome) return this.reportReferenceFailure(outcome.input, outcome.error)
          const {reference, digest, mediaType, size} = outcome.value
          // The reference as given, so that a script can match lines to its own.
          this.writeReferenceResult({reference, digest, mediaType, size}, () => `${outcome.input}\t${digest}`)
        },
      })
      return undefined
    }

    const reference = parseImageReference(argv[0] as string, {require: 'tag-or-digest'})
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
