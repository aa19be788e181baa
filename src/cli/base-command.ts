/**
 * What every registryctl command shares: connection and credential flags, building the library
 * Session from them, and turning any error into one line on stderr with its documented exit code
 * (the stack only with --debug). Commands stay thin: parse → library call → render.
 */
import {Command} from '@oclif/core/command'
import * as Errors from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'
import type * as Interfaces from '@oclif/core/interfaces'

import {ExitCode, isRegistryCtlError, UsageError} from '../lib/errors.js'
import {globWarnings} from '../lib/glob.js'
import {Session, type SessionOptions} from '../lib/registry/client.js'
import {type ConnectionOptions, connectionOptions} from '../lib/registry/connection.js'
import {setReferenceDefaults} from '../lib/registry/reference.js'
import {storedAccountsPath} from '../lib/registry/auth/accounts.js'
import {
  credentialOptions,
  type EffectiveSettings,
  loadSettingsLayers,
  resolveSettings,
  type SettingsLayer,
} from '../lib/registry/settings.js'
import {ContentCache, DEFAULT_CACHE_MAX_BYTES, defaultCacheDir} from '../lib/registry/cache.js'
import type {InventoryProgress} from '../lib/registry/inventory.js'
import {referenceLines} from '../lib/registry/many.js'
import {printable} from '../lib/text.js'
import {type Progress, startProgress} from './render/progress.js'
import {note, setSilent} from './quiet.js'
import {usageLine} from './render/usage.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof RegistryCommand)['baseFlags'] & T['flags']
>

// oclif's FlagOutput/ArgOutput, which its package does not export.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ParsedValues = {[name: string]: any}

/** The connection and credential flags of the commands that connect (retries: not smoke's). */
interface ConnectionFlags {
  insecure: boolean
  'ca-file'?: string
  timeout: number
  retries?: number
  concurrency: number
  username?: string
  'password-stdin': boolean
  debug: boolean
  cache?: boolean
}

/**
 * oclif's parse errors span lines: "Missing 1 required arg:" then "name  description" lines, or
 * "The following error occurred:" then the errors, then "See more help with --help". One line here.
 */
export function oneLineParseError(message: string): string {
  const [first = message, ...rest] = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('See more help'))
  if (rest.length === 0) return first
  // "Parsing --concurrency" then "Expected an integer greater than or equal to 1 but received: 0".
  if (/^Parsing --\S+$/.test(first)) return `${first.slice('Parsing '.length)}: ${rest.join('; ')} (see --help)`
  if (/^The following errors? occurred:$/.test(first)) return `${rest.join('; ')} (see --help)`
  return `${first} ${rest.map((line) => line.split(/\s+/)[0]).join(', ')} (see --help)`
}

/** An error's line (without the `registryctl: ` prefix) and exit code: the one rendering of every error. */
export function errorLine(error: Error & {oclif?: {exit?: number}}): {message: string; exitCode: number} {
  if (isRegistryCtlError(error))
    return {message: error.hint ? `${error.message} (${error.hint})` : error.message, exitCode: error.exitCode}
  // Flag and argument parsing errors.
  if (error.oclif?.exit !== undefined)
    return {message: oneLineParseError(error.message), exitCode: error.oclif.exit === 0 ? 0 : ExitCode.USAGE}
  return {message: `internal error: ${error.message}`, exitCode: ExitCode.INTERNAL}
}

/** The cache's size bound: REGISTRYCTL_CACHE_MAX_MB, else 256 MB. */
function cacheMaxBytes(): number {
  const mb = Number(process.env.REGISTRYCTL_CACHE_MAX_MB)
  return Number.isFinite(mb) && mb > 0 ? mb * 1024 * 1024 : DEFAULT_CACHE_MAX_BYTES
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** The settings without a registry, for flag defaults (read once). */
let globalCache: EffectiveSettings | undefined
function globalSettings(): EffectiveSettings {
  globalCache ??= resolveSettings(loadSettingsLayers().layers)
  return globalCache
}

/** Every command: stacks of errors, and -s (see quiet.ts). */
const commonFlags = {
  debug: Flags.boolean({char: 'd', description: 'Log each request (never credentials) and print stacks of errors.'}),
  silent: Flags.boolean({
    char: 's',
    description: 'Print only results and errors: no progress, plan, notes or warnings on stderr.',
  }),
}

/** Commands that connect to a registry: how (also settings, so `config` shows their effect). */
const connectionFlags = {
  insecure: Flags.boolean({
    helpGroup: 'CONNECTION',
    description: 'Skip TLS verification and allow plain HTTP (credentials too) to any host.',
  }),
  'ca-file': Flags.string({
    helpGroup: 'CONNECTION',
    description: 'PEM file of CA certificates to trust besides the system ones.',
  }),
  // Defaults come from the settings (environment, config files, built-in 30 / 4 / 8).
  timeout: Flags.integer({
    helpGroup: 'CONNECTION',
    min: 1,
    default: async () => globalSettings().timeout,
    description: 'Seconds to wait for a connection or an answer, per request.',
  }),
  concurrency: Flags.integer({
    helpGroup: 'CONNECTION',
    min: 1,
    max: 128,
    default: async () => globalSettings().concurrency,
    description: 'Requests in flight at once.',
  }),
  cache: Flags.boolean({
    helpGroup: 'CONNECTION',
    default: true,
    allowNo: true,
    description:
      'Keep manifests and image configs fetched by digest in $XDG_CACHE_HOME/registryctl (tags are never cached); --no-cache neither reads nor writes it.',
  }),
}

/** Commands whose requests go through the retrying transport. */
const retryFlags = {
  retries: Flags.integer({
    helpGroup: 'CONNECTION',
    min: 0,
    default: async () => globalSettings().retries,
    description: 'Retries for idempotent requests on 429/502/503/504, resets and timeouts.',
  }),
}

/** Commands that send credentials. */
const credentialFlags = {
  username: Flags.string({
    helpGroup: 'CREDENTIALS',
    description: 'Registry user; the password is read from stdin (--password-stdin).',
    dependsOn: ['password-stdin'],
  }),
  'password-stdin': Flags.boolean({
    helpGroup: 'CREDENTIALS',
    description: 'Read the password for --username from stdin.',
    dependsOn: ['username'],
  }),
}

/** Levenshtein distance, for "did you mean" (flag names are short). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    previous = current
  }

  return previous[b.length]!
}

/** The known flag nearest to an unknown one (`--dryrun` → `--dry-run`), if one is near enough. */
export function nearestFlag(unknown: string, known: string[]): string | undefined {
  const given = unknown.replace(/^-+/, '').replace(/=.*$/, '')
  let best: {name: string; distance: number} | undefined
  for (const name of known) {
    const distance = editDistance(given, name)
    if (!best || distance < best.distance) best = {name, distance}
  }

  return best && best.distance <= Math.max(1, Math.floor(given.length / 3)) ? `--${best.name}` : undefined
}

/**
 * What every command shares (settings, parsing, -s, the one error line), with only the flags every
 * command uses. Each group of commands declares the flags it uses on top (help lists no others):
 * RegistryCommand for the commands that talk to a registry.
 */
export abstract class CliCommand extends Command {
  static override enableJsonFlag = true

  /** `config`: no requests, but the connection settings are what it shows. */
  static settingsFlags = {...connectionFlags, ...retryFlags, ...commonFlags}
  /** Commands that talk to registries without the retrying transport (smoke). */
  static probeFlags = {...connectionFlags, ...credentialFlags, ...commonFlags}
  /** Commands that only read or write local files (logout). */
  static override baseFlags: Interfaces.FlagInput = {...commonFlags}

  /** Settings from the files and the environment (lowest precedence first), then the flags given. */
  protected settingsLayers: SettingsLayer[] = []
  protected settingsFiles: Array<{path: string; found: boolean}> = []

  override async init(): Promise<void> {
    await super.init()
    const {layers, files} = loadSettingsLayers()
    this.settingsLayers = layers
    this.settingsFiles = files
    const {defaultRegistry, aliases} = resolveSettings(layers)
    setReferenceDefaults({defaultRegistry, aliases})
  }

  /** The effective settings for a registry (or none): flags > environment > user file > system file. */
  protected effectiveSettings(registry?: string): EffectiveSettings {
    return resolveSettings(this.settingsLayers, {registry, files: this.settingsFiles})
  }

  /**
   * oclif fills a missing argument from piped stdin. Here stdin carries the --password-stdin secret:
   * taken as an argument, it would end up in an error line ("invalid registry <password>") or be
   * gone when the password is read. No argument is ever read from stdin.
   */
  protected override async parse<F extends ParsedValues, B extends ParsedValues, A extends ParsedValues>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const input = options ?? (this.ctor as Interfaces.Input<F, B, A>)
    const args = Object.fromEntries(
      Object.entries(input.args ?? {}).map(([name, arg]) => [name, {...arg, ignoreStdin: true}]),
    )
    // Input is usually the command class: its inherited statics must be named, a spread would drop them.
    const {flags, baseFlags, constraints, enableJsonFlag, strict} = input
    // A command that takes any number of arguments (smoke's files) would take a mistyped flag for one.
    if (strict === false) {
      const known = this.knownFlags()
      const all = argv ?? this.argv
      const given = all.includes('--') ? all.slice(0, all.indexOf('--')) : all
      const unknown = given
        .map((arg) => /^--([^=]+)/.exec(arg)?.[1])
        .filter((name): name is string => name !== undefined && !known.includes(name.replace(/^no-/, '')))
      if (unknown.length > 0) throw new UsageError(this.unknownFlagMessage(unknown.map((name) => `--${name}`)))
    }

    const output = await super.parse(
      {flags, baseFlags, constraints, enableJsonFlag, strict, '--': input['--'], args: args as typeof input.args},
      argv,
    )
    // The connection flags given on the command line are the top settings layer (the others only
    // filled in defaults).
    const explicit = new Set(output.raw.filter((token) => token.type === 'flag').map((token) => token.flag))
    const given = output.flags as Partial<ConnectionFlags>
    const pick = <K extends keyof ConnectionFlags>(name: K) => (explicit.has(name) ? given[name] : undefined)
    const top: SettingsLayer = {
      source: 'flags',
      settings: {
        caFile: pick('ca-file') as string | undefined,
        insecure: pick('insecure') || undefined,
        timeout: pick('timeout'),
        retries: pick('retries'),
        concurrency: pick('concurrency'),
      },
    }
    this.settingsLayers = [...this.settingsLayers.filter((layer) => layer.source !== 'flags'), top]
    setSilent(Boolean((output.flags as {silent?: boolean}).silent))
    return output
  }

  /** A note on stderr for the operator (not with -s). */
  protected note(line: string): void {
    note(line)
  }

  /** One `registryctl: warning: …` line on stderr per doubtful glob (see globWarnings); none with -s. */
  protected warnAboutGlobs(...patterns: Array<string | undefined>): void {
    for (const pattern of patterns) {
      if (pattern === undefined) continue
      for (const warning of globWarnings(pattern)) note(`registryctl: warning: ${warning}`)
    }
  }

  /** A progress line on stderr while work that may take seconds runs (a terminal only, not with --json). */
  protected startProgress(label: string, session: Session, inventory?: InventoryProgress): Progress {
    return startProgress({label, inventory, requests: () => session.transport.requests}, {enabled: !this.jsonEnabled()})
  }

  /** A session for one registry: its own settings (CA, timeouts, credentials source) apply. */
  protected async buildSession(flags: ConnectionFlags, registry?: string): Promise<Session> {
    return new Session(await this.sessionOptions(flags, registry))
  }

  /**
   * The one connection setup of every command: how to reach `registry` (host[:port]) given the
   * flags, its settings (files, environment, certs.d) and the proxy variables. Sessions, smoke's node
   * checks and homepage's anonymous reads all take their transport options from here.
   */
  protected connectionOptions(flags: Pick<ConnectionFlags, 'debug'>, registry?: string): ConnectionOptions {
    return connectionOptions(this.effectiveSettings(registry), {
      userAgent: `registryctl/${this.config.version}`,
      debug: flags.debug ? (line) => process.stderr.write(`debug: ${line}\n`) : undefined,
    })
  }

  /** --username's password, read from stdin once however many sessions a command opens. */
  private explicitCredentials?: Promise<SessionOptions['explicit']>
  private async readExplicitCredentials(flags: ConnectionFlags): Promise<SessionOptions['explicit']> {
    if (!flags.username) return undefined
    if (process.stdin.isTTY)
      throw new UsageError('--password-stdin expects the password on a pipe, e.g. printf %s "$PASS" | registryctl …')
    const password = (await readStdin()).replace(/\r?\n$/, '')
    if (!password) throw new UsageError('--password-stdin read an empty password')
    return {username: flags.username, password}
  }

  /**
   * The session options for one registry: its connection (connectionOptions) and the credentials
   * the flags and its settings give. For commands that need several sessions, one per registry node.
   */
  protected async sessionOptions(flags: ConnectionFlags, registry?: string): Promise<SessionOptions> {
    this.explicitCredentials ??= this.readExplicitCredentials(flags)
    const explicit = await this.explicitCredentials
    const settings = this.effectiveSettings(registry)
    const cacheDir = flags.cache === false ? undefined : defaultCacheDir()
    return {
      ...this.connectionOptions(flags, registry),
      ...credentialOptions(settings.credentials),
      // Accounts serve only the registry whose settings name them (none for a session without one).
      accounts: registry ? {[registry]: settings.accounts} : undefined,
      storedAccountsPath: storedAccountsPath(),
      explicit,
      cache: cacheDir ? new ContentCache(cacheDir, cacheMaxBytes()) : undefined,
    }
  }

  /** The command's flag names and aliases, without dashes. */
  private knownFlags(): string[] {
    const known = Object.entries({...this.ctor.baseFlags, ...this.ctor.flags}).flatMap(([name, flag]) => [
      name,
      ...(flag.aliases ?? []),
    ])
    if (this.ctor.enableJsonFlag) known.push('json')
    return [...known, 'help']
  }

  /** oclif's "Nonexistent flag: --dryrun" as "unknown flag --dryrun; did you mean --dry-run?". */
  private unknownFlagMessage(unknown: string[]): string {
    const known = this.knownFlags()
    return unknown
      .map((flag) => {
        const nearest = flag.startsWith('--') ? nearestFlag(flag, known) : undefined
        return `unknown flag ${flag}${nearest ? `; did you mean ${nearest}?` : ''}`
      })
      .join('; ')
  }

  /**
   * The references a command that takes many was given: its arguments, where `-` stands for the
   * lines of stdin (see referenceLines). Undefined for one argument other than `-`: that command
   * then runs as it always did, its error the command's error.
   */
  protected async manyReferences(
    inputs: string[],
    flags: Pick<ConnectionFlags, 'username'>,
  ): Promise<string[] | undefined> {
    if (inputs.length === 1 && inputs[0] !== '-') return undefined
    if (!inputs.includes('-')) return inputs
    if (flags.username)
      throw new UsageError(
        '`-` reads references from stdin, which --password-stdin needs for the password: use docker login, or give the references as arguments',
      )
    if (process.stdin.isTTY)
      throw new UsageError('`-` reads references from stdin, one a line: pipe them in (registryctl … - < FILE)')
    const lines = referenceLines(await readStdin())
    return inputs.flatMap((input) => (input === '-' ? lines : [input]))
  }

  /**
   * One session per registry, made on first use with that registry's settings: references to the
   * same registry share its connections, tokens and request limit.
   */
  protected sessionsByHost(flags: ConnectionFlags): (host: string) => Promise<Session> {
    const sessions = new Map<string, Promise<Session>>()
    return (host) => {
      let session = sessions.get(host)
      if (!session) {
        session = this.buildSession(flags, host)
        sessions.set(host, session)
      }

      return session
    }
  }

  /**
   * Writes one reference's failure as the command's error line would be (the reference first), or
   * with --json an {reference, error} line on stdout as well; the first failure in input order
   * gives the exit code.
   */
  protected reportReferenceFailure(input: string, error: Error): void {
    const {message, exitCode} = errorLine(error)
    if (this.jsonEnabled())
      process.stdout.write(`${JSON.stringify({reference: input, error: {message, code: error.name, exitCode}})}\n`)
    process.stderr.write(`registryctl: ${printable(`${input}: ${message}`.replaceAll('\n', ' '))}\n`)
    if (!process.exitCode) process.exitCode = exitCode
  }

  /** One result of many: a JSON line with --json, else the command's text. */
  protected writeReferenceResult(json: object, text: () => string): void {
    process.stdout.write(this.jsonEnabled() ? `${JSON.stringify(json)}\n` : `${text()}\n`)
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    // oclif's own exits (help, version, this.exit) are not errors.
    if (error instanceof Errors.ExitError) throw error
    const {flags} = error as {flags?: unknown}
    // oclif's "Nonexistent flag: --dryrun" as "unknown flag --dryrun; did you mean --dry-run?".
    const {message, exitCode} =
      error.constructor.name === 'NonExistentFlagsError' && Array.isArray(flags)
        ? {message: this.unknownFlagMessage(flags as string[]), exitCode: ExitCode.USAGE}
        : errorLine(error)
    if (this.jsonEnabled()) this.logJson({error: {message, code: error.name, exitCode}})
    process.stderr.write(`registryctl: ${printable(message.replaceAll('\n', ' '))}\n`)
    if ((this.argv.includes('--debug') || this.argv.includes('-d')) && error.stack)
      process.stderr.write(`${error.stack}\n`)
    process.exitCode = exitCode
  }
}

// The USAGE line every command's help shows, from its own flags (render/usage.ts): a getter, so each
// subclass gets its own. A command may still set `static usage` itself.
Object.defineProperty(CliCommand, 'usage', {
  configurable: true,
  get(this: typeof CliCommand) {
    const {json, ...flags} = {
      ...(this.enableJsonFlag ? {json: {name: 'json', type: 'boolean' as const}} : {}),
      ...this.baseFlags,
      ...this.flags,
    } as Record<string, {name?: string}>
    const named = Object.fromEntries(
      Object.entries({...(json ? {json} : {}), ...flags}).map(([name, flag]) => [name, {...flag, name}]),
    )
    return usageLine({args: this.args, flags: named as never, strict: this.strict})
  },
})

/** The commands that talk to a registry: connection, retries and credentials flags. */
export abstract class RegistryCommand extends CliCommand {
  static override baseFlags = {...connectionFlags, ...retryFlags, ...credentialFlags, ...commonFlags}
}
