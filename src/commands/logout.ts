import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {CliCommand} from '../cli/base-command.js'
import {storedAccountsPath} from '../lib/registry/auth/accounts.js'
import {eraseAccount, eraseCredentials} from '../lib/registry/auth/credential-store.js'
import {credentialsFile, registryArgument} from './login.js'

export default class Logout extends CliCommand {
  static override summary =
    'Remove the credentials stored for a registry (config.json entry, or its credential helper), or one account (--repository).'
  static override examples = [
    '<%= config.bin %> logout registry.example.org',
    '<%= config.bin %> logout registry.example.org --repository restricted',
  ]

  static override args = {
    registry: Args.string({description: 'Registry host[:port] (default: the configured default registry).'}),
  }

  static override flags = {
    repository: Flags.string({
      helpValue: 'PREFIX',
      description: "Remove only the account login --repository stored for this prefix (docker's entry stays).",
    }),
  }

  async run(): Promise<{registry: string; repository?: string; removed: boolean; from: string}> {
    const {args, flags} = await this.parse(Logout)
    const host = registryArgument(args.registry, this.effectiveSettings().defaultRegistry)
    if (flags.repository !== undefined) {
      const {removed, where, prefix} = await eraseAccount(storedAccountsPath(), host, flags.repository)
      if (!this.jsonEnabled())
        this.log(removed ? `Removing the account for ${host}/${prefix}` : `No account for ${host}/${prefix}`)
      return {registry: host, repository: prefix, removed, from: where}
    }

    const {removed, where} = await eraseCredentials(
      credentialsFile(this.effectiveSettings(host).credentials, host),
      host,
    )
    if (!this.jsonEnabled()) this.log(removed ? `Removing login credentials for ${host}` : `Not logged in to ${host}`)
    return {registry: host, removed, from: where}
  }
}
