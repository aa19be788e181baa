import * as Args from '@oclif/core/args'

import {CliCommand} from '../cli/base-command.js'
import {dockerConfigPath, lookupDockerCredentials} from '../lib/registry/auth/docker-config.js'
import {chooseProxy, proxyEnvironment, type ProxyEnvironment} from '../lib/registry/proxy.js'
import {parseRegistry} from '../lib/registry/reference.js'
import {describeSecret, storedAccounts, storedAccountsPath} from '../lib/registry/auth/accounts.js'

interface ShownSettings {
  files: Array<{path: string; found: boolean}>
  defaultRegistry?: string
  aliases: Record<string, string>
  registry?: string
  settings: Record<string, {value: unknown; from: string}>
  caFilesAdded: string[]
  /** The proxy per scheme (password masked) or why none: for the registry, else in general. */
  proxy: {https: string; http: string; noProxy?: string; ignored: string[]}
  credentials?: {source?: string; username?: string; secret?: string; tried: string[]}
  /** Which account serves which repository prefix or realm (never a secret); the rest: credentials. */
  accounts?: Array<{repository?: string; realm?: string; username?: string; secretFrom: string; declaredIn: string}>
}

export default class Config extends CliCommand {
  static override summary = 'Show the effective settings (for one registry, if given), secrets redacted.'
  static override description = `With a REGISTRY, the accounts for parts of it are listed too: which account serves which repository prefix or realm (registries.HOST.accounts in the settings, and login --repository), then the default credentials for the rest.

Settings come from the flags, then REGISTRYCTL_* environment variables, then $XDG_CONFIG_HOME/registryctl/config.yaml (default ~/.config/…; $REGISTRYCTL_CONFIG to point elsewhere), then /etc/registryctl/config.yaml ($REGISTRYCTL_SYSTEM_CONFIG), then the built-in defaults. Each value is shown with where it came from. With a REGISTRY, its registries: entry applies, docker's certs.d CA files for it are listed, and the credentials registryctl would use are named (the secret never is).`

  static override examples = [
    '<%= config.bin %> config',
    '<%= config.bin %> config docker-registry.discovery.wmnet',
    '<%= config.bin %> config --json',
  ]

  // No requests, no credentials: the connection flags are settings, shown with where they came from.
  static override baseFlags = CliCommand.settingsFlags

  static override args = {
    registry: Args.string({description: 'Registry host[:port] (or an alias) whose settings to show.'}),
  }

  async run(): Promise<ShownSettings> {
    const {args} = await this.parse(Config)
    const registry = args.registry ? parseRegistry(args.registry).host : undefined
    const effective = this.effectiveSettings(registry)
    const settings: ShownSettings['settings'] = {}
    for (const [key, name] of [
      ['ca-file', 'caFile'],
      ['insecure', 'insecure'],
      ['timeout', 'timeout'],
      ['retries', 'retries'],
      ['concurrency', 'concurrency'],
      ['credentials', 'credentials'],
    ] as const) {
      settings[key] = {value: effective[name] ?? null, from: effective.origins[name] ?? 'built-in'}
    }

    const shown: ShownSettings = {
      files: effective.files,
      defaultRegistry: effective.defaultRegistry,
      aliases: effective.aliases,
      registry,
      settings,
      caFilesAdded: effective.extraCaFiles,
      proxy: shownProxy(proxyEnvironment(), registry),
    }
    if (registry && effective.credentials !== 'none') {
      const configPath = effective.credentials === 'docker' ? dockerConfigPath() : effective.credentials
      const lookup = await lookupDockerCredentials(registry, {configPath})
      shown.credentials = {
        source: lookup.credentials?.source,
        username: lookup.credentials?.username,
        secret: lookup.credentials ? '(redacted)' : undefined,
        tried: lookup.tried,
      }
    }

    if (registry && effective.credentials !== 'none') {
      const accounts = [...effective.accounts, ...(await storedAccounts(storedAccountsPath(), registry))]
      shown.accounts = accounts.map((account) => ({
        repository: account.repository,
        realm: account.realm,
        username: account.username,
        secretFrom: describeSecret(account.secret),
        declaredIn: account.declaredIn,
      }))
    }

    if (!this.jsonEnabled()) this.log(render(shown).join('\n'))
    return shown
  }
}

/** Which proxy applies (to the registry, when given), masked; a variable that is no proxy URL says so. */
function shownProxy(environment: ProxyEnvironment, registry?: string): ShownSettings['proxy'] {
  const describe = (scheme: 'https' | 'http'): string => {
    const proxy = environment[scheme]
    try {
      if (registry) {
        const choice = chooseProxy(`${scheme}://${registry}/`, environment)
        return choice.proxy ? choice.proxy.shown : `direct (${choice.direct})`
      }

      if (proxy instanceof Error) throw proxy
      return proxy ? proxy.shown : `direct (no ${scheme}_proxy set)`
    } catch (error) {
      return `unusable: ${(error as Error).message}`
    }
  }

  return {
    https: describe('https'),
    http: describe('http'),
    noProxy: environment.noProxy ? `${environment.noProxy.value} (${environment.noProxy.variable})` : undefined,
    ignored: environment.ignored,
  }
}

function render(shown: ShownSettings): string[] {
  const lines = ['Files (lowest precedence first; then REGISTRYCTL_* variables, then flags):']
  for (const file of shown.files) lines.push(`  ${file.path}${file.found ? '' : ' (absent)'}`)
  lines.push(`Default registry: ${shown.defaultRegistry ?? '(none: references must name their registry)'}`)
  const aliases = Object.entries(shown.aliases)
  lines.push(
    `Aliases: ${aliases.length > 0 ? aliases.map(([alias, host]) => `${alias} → ${host}`).join(', ') : '(none)'}`,
  )
  lines.push(
    shown.registry ? `Settings for ${shown.registry}:` : 'Settings (for every registry; give REGISTRY for its own):',
  )
  for (const [key, {value, from}] of Object.entries(shown.settings))
    lines.push(`  ${`${key}:`.padEnd(13)} ${String(value ?? '(none)').padEnd(24)} from ${from}`)
  if (shown.caFilesAdded.length > 0) lines.push(`  CA files added: ${shown.caFilesAdded.join(', ')}`)
  lines.push(`  proxy (https): ${shown.proxy.https}`, `  proxy (http):  ${shown.proxy.http}`)
  if (shown.proxy.noProxy) lines.push(`  no proxy for:  ${shown.proxy.noProxy}`)
  for (const variable of shown.proxy.ignored)
    lines.push(`  ${variable} is ignored, as curl ignores it (httpoxy): set http_proxy for http:// registries`)
  if (shown.accounts && shown.accounts.length > 0) {
    lines.push('  accounts (the longest repository prefix first, then the realm; secrets never shown):')
    for (const account of shown.accounts) {
      const serves = [
        account.repository === undefined ? undefined : `repository ${account.repository || '(all)'}`,
        account.realm === undefined ? undefined : `realm "${account.realm}"`,
      ]
        .filter(Boolean)
        .join(' or ')
      lines.push(
        `    ${serves}: ${account.username ? `user ${account.username}, ` : ''}secret from ${account.secretFrom} (${account.declaredIn})`,
      )
    }
  }

  if (shown.credentials) {
    lines.push(
      shown.credentials.source
        ? `  credentials found: ${shown.credentials.username ? `user ${shown.credentials.username}, ` : ''}secret (redacted), from ${shown.credentials.source}`
        : `  credentials found: none (tried: ${shown.credentials.tried.join(', ')})`,
    )
  }

  return lines
}
