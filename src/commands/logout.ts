import * as Args from '@oclif/core/args'

import {RegistryCommand} from '../cli/base-command.js'
import {eraseCredentials} from '../lib/registry/auth/credential-store.js'
import {credentialsFile, registryArgument} from './login.js'

export default class Logout extends RegistryCommand {
  static override summary =
    'Remove the credentials stored for a registry (config.json entry, or its credential helper).'
  static override examples = ['<%= config.bin %> logout registry.example.org']

  static override args = {
    registry: Args.string({description: 'Registry host[:port] (default: the configured default registry).'}),
  }

  async run(): Promise<{registry: string; removed: boolean; from: string}> {
    const {args} = await this.parse(Logout)
    const host = registryArgument(args.registry, this.effectiveSettings().defaultRegistry)
    const {removed, where} = await eraseCredentials(
      credentialsFile(this.effectiveSettings(host).credentials, host),
      host,
    )
    if (!this.jsonEnabled()) this.log(removed ? `Removing login credentials for ${host}` : `Not logged in to ${host}`)
    return {registry: host, removed, from: where}
  }
}
