import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../cli/base-command.js'
import {dockerConfigPath} from '../lib/registry/auth/docker-config.js'
import {Session} from '../lib/registry/client.js'
import {storeAccount, storeCredentials} from '../lib/registry/auth/credential-store.js'
import {storedAccountsPath} from '../lib/registry/auth/accounts.js'
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

With --repository PREFIX the credentials are an account for that part of the registry only (repositories PREFIX and PREFIX/…): they go to registryctl's own credentials file ($XDG_CONFIG_HOME/registryctl/credentials.json, mode 0600; $REGISTRYCTL_ACCOUNTS_FILE to point elsewhere) and the host's entry in docker's config stays, so one host can have a push account and a read account for restricted/. logout --repository PREFIX removes only that account.

The credentials are verified first, where the registry asks for them: /v2/ when it challenges there; otherwise reading --verify-repository NAME (default: the --repository prefix), or with --push a blob upload to it, opened and cancelled at once. Credentials nothing asked for are refused unless --no-verify.`

  static override examples = [
    'printf %s "$PASS" | <%= config.bin %> login registry.example.org --username ci --password-stdin',
    '<%= config.bin %> login registry.example.org --username k8s-read --repository restricted',
    'printf %s "$PASS" | <%= config.bin %> login registry.example.org -u ci --password-stdin --verify-repository team/app --push',
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
    repository: Flags.string({
      helpValue: 'PREFIX',
      description:
        "Store an account for this repository prefix only (registryctl's credentials file; docker's entry for the host stays), verified by reading it.",
    }),
    'verify-repository': Flags.string({
      helpValue: 'NAME',
      description:
        'Verify by reading this repository (for registries whose /v2/ is open; default: the --repository prefix).',
    }),
    push: Flags.boolean({
      description: 'Verify push rights on the verified repository (an upload opened and cancelled).',
    }),
    verify: Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Verify the credentials against the registry before storing them (--no-verify: store as given).',
    }),
  }

  async run(): Promise<{
    registry: string
    repository?: string
    username: string
    storedIn: string
    verifiedBy?: string
  }> {
    const {args, flags} = await this.parse(Login)
    if (flags.push && flags['verify-repository'] === undefined && flags.repository === undefined)
      throw new UsageError('--push verifies push rights on a repository: give --verify-repository NAME')
    const host = registryArgument(args.registry, this.effectiveSettings().defaultRegistry)
    const settings = this.effectiveSettings(host)
    // Checked before the password is read: a prefix account never touches docker's config.
    const file = flags.repository === undefined ? credentialsFile(settings.credentials, host) : undefined
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
          repository: flags['verify-repository'] ?? flags.repository,
          push: flags.push,
        })
      ).verifiedBy
    }

    const stored = file
      ? {...(await storeCredentials(file, host, credentials)), prefix: undefined}
      : await storeAccount(storedAccountsPath(), host, flags.repository!, credentials)
    const what = stored.prefix === undefined ? host : `${host}/${stored.prefix}`
    if (!this.jsonEnabled()) {
      this.note(
        `${verifiedBy ? `Verified by ${verifiedBy}. ` : 'Not verified (--no-verify). '}Stored for ${what} in ${stored.where}.`,
      )
      this.log('Login Succeeded')
    }

    return {
      registry: host,
      repository: stored.prefix,
      username: credentials.username,
      storedIn: stored.where,
      verifiedBy,
    }
  }
}
