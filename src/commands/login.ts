import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../cli/base-command.js'
import {dockerConfigPath} from '../lib/registry/auth/docker-config.js'
import {Session} from '../lib/registry/client.js'
import {storeCredentials} from '../lib/registry/auth/credential-store.js'
import {UsageError} from '../lib/errors.js'
import {verifyCredentials} from '../lib/registry/auth/login.js'
import {parseRegistry} from '../lib/registry/reference.js'
import {readLoginCredentials} from '../cli/login-input.js'

/** Where credentials for a registry are read and written: its `credentials` setting. */
export function credentialsFile(credentials: string, host: string): string {
  if (credentials === 'none')
    throw new UsageError(`the settings for ${host} say credentials: none (see registryctl config ${host})`)
  return credentials === 'docker' ? dockerConfigPath() : credentials
}

export function registryArgument(given: string | undefined, defaultRegistry: string | undefined): string {
  if (given) return parseRegistry(given).host
  if (!defaultRegistry) throw new UsageError('give the REGISTRY (no default registry is configured)')
  return parseRegistry(defaultRegistry).host
}

export default class Login extends RegistryCommand {
  static override summary =
    "Store credentials for a registry in docker's config.json (or its credential helper), after verifying them."
  static override description = `Writes what docker login writes: an auths entry in $DOCKER_CONFIG/config.json (or the file of the registry's credentials setting), or through the credential helper that file names (credHelpers, credsStore), so docker and registryctl share credentials. The password comes from stdin with --password-stdin, or a hidden prompt on a terminal; there is no --password flag.

The credentials are verified first, where the registry asks for them: /v2/ when it challenges there; otherwise reading --repository NAME (a restricted realm), or with --push a blob upload to it, opened and cancelled at once. Credentials nothing asked for are refused unless --no-verify.`

  static override examples = [
    'printf %s "$PASS" | <%= config.bin %> login registry.example.org --username ci --password-stdin',
    '<%= config.bin %> login registry.example.org --username k8s-read --repository restricted/app',
    'printf %s "$PASS" | <%= config.bin %> login registry.example.org -u ci --password-stdin --repository team/app --push',
  ]

  static override args = {
    registry: Args.string({description: 'Registry host[:port] (default: the configured default registry).'}),
  }

  static override baseFlags = {
    ...RegistryCommand.baseFlags,
    username: Flags.string({
      char: 'u',
      helpGroup: 'CREDENTIALS',
      description: 'User name (prompted for on a terminal when absent).',
    }),
    'password-stdin': Flags.boolean({helpGroup: 'CREDENTIALS', description: 'Read the password from stdin.'}),
  }

  static override flags = {
    repository: Flags.string({description: 'Verify by reading this repository (for registries whose /v2/ is open).'}),
    push: Flags.boolean({
      dependsOn: ['repository'],
      description: 'Verify push rights on --repository (an upload opened and cancelled).',
    }),
    verify: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Verify the credentials against the registry before storing them (--no-verify: store as given).',
    }),
  }

  async run(): Promise<{registry: string; username: string; storedIn: string; verifiedBy?: string}> {
    const {args, flags} = await this.parse(Login)
    const host = registryArgument(args.registry, this.effectiveSettings().defaultRegistry)
    const settings = this.effectiveSettings(host)
    const file = credentialsFile(settings.credentials, host)
    const credentials = await readLoginCredentials({
      username: flags.username,
      passwordStdin: flags['password-stdin'],
      host,
    })
    let verifiedBy: string | undefined
    if (flags.verify) {
      const options = await this.sessionOptions({...flags, username: undefined, 'password-stdin': false}, host)
      const session = new Session({...options, explicit: credentials, ignoreDockerConfig: true})
      verifiedBy = (
        await verifyCredentials(session.client(parseRegistry(args.registry ?? host)), {
          repository: flags.repository,
          push: flags.push,
        })
      ).verifiedBy
    }

    const {where} = await storeCredentials(file, host, credentials)
    if (!this.jsonEnabled()) {
      if (!flags.silent)
        process.stderr.write(
          `${verifiedBy ? `Verified by ${verifiedBy}. ` : 'Not verified (--no-verify). '}Stored for ${host} in ${where}.\n`,
        )
      this.log('Login Succeeded')
    }

    return {registry: host, username: credentials.username, storedIn: where, verifiedBy}
  }
}
