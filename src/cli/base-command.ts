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
import {setReferenceDefaults} from '../lib/registry/reference.js'
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

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof RegistryCommand)['baseFlags'] & T['flags']
>

// oclif's FlagOutput/ArgOutput, which its package does not export.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ParsedValues = {[name: string]: any}

/** The connection and credential flags every command has. */
interface ConnectionFlags {
  insecure: boolean
  'ca-file'?: string
  timeout: number
  retries: number
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

export abstract class RegistryCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
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
    retries: Flags.integer({
      helpGroup: 'CONNECTION',
      min: 0,
      default: async () => globalSettings().retries,
      description: 'Retries for idempotent requests on 429/502/503/504, resets and timeouts.',
    }),
    concurrency: Flags.integer({
      helpGroup: 'CONNECTION',
      min: 1,
      max: 128,
      default: async () => globalSettings().concurrency,
      description: 'Requests in flight at once.',
    }),
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
    debug: Flags.boolean({char: 'd', description: 'Log each request (never credentials) and print stacks of errors.'}),
    silent: Flags.boolean({
      char: 's',
      description: 'Print only the output and errors: no plan, notes or warnings on stderr.',
    }),
    cache: Flags.boolean({
      helpGroup: 'CONNECTION',
      default: true,
      allowNo: true,
      description:
        'Keep manifests and image configs fetched by digest in $XDG_CACHE_HOME/registryctl (tags are never cached); --no-cache neither reads nor writes it.',
    }),
  }

  /** Settings from the files and the environment (lowest precedence first), then the flags given. */
  protected settingsLayers: SettingsLayer[] = []
  protected settingsFiles: Array<{path: string; found: boolean}> = []
  private passwordRead?: Promise<string>

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
    return output
  }

  /** One `registryctl: warning: …` line on stderr per doubtful glob (see globWarnings). */
  protected warnAboutGlobs(...patterns: Array<string | undefined>): void {
    for (const pattern of patterns) {
      if (pattern === undefined) continue
      for (const warning of globWarnings(pattern)) process.stderr.write(`registryctl: warning: ${warning}\n`)
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
   * The session options the connection and credential flags give (reads the password from stdin
   * once): for commands that need several sessions, one per registry node.
   */
  protected async sessionOptions(flags: ConnectionFlags, registry?: string): Promise<SessionOptions> {
    let explicit: SessionOptions['explicit']
    if (flags.username) {
      if (process.stdin.isTTY)
        throw new UsageError('--password-stdin expects the password on a pipe, e.g. printf %s "$PASS" | registryctl …')
      // Read once: a command with sessions for several registries builds each with the same password.
      this.passwordRead ??= readStdin()
      const password = (await this.passwordRead).replace(/\r?\n$/, '')
      if (!password) throw new UsageError('--password-stdin read an empty password')
      explicit = {username: flags.username, password}
    }

    const settings = this.effectiveSettings(registry)
    const cacheDir = flags.cache === false ? undefined : defaultCacheDir()
    return {
      insecure: settings.insecure,
      caFile: settings.caFile,
      caFiles: settings.extraCaFiles,
      timeoutMs: settings.timeout * 1000,
      retries: settings.retries,
      concurrency: settings.concurrency,
      ...credentialOptions(settings.credentials),
      explicit,
      userAgent: `registryctl/${this.config.version}`,
      debug: flags.debug ? (line) => process.stderr.write(`debug: ${line}\n`) : undefined,
      cache: cacheDir ? new ContentCache(cacheDir, cacheMaxBytes()) : undefined,
    }
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
    const {message, exitCode} = errorLine(error)
    if (this.jsonEnabled()) this.logJson({error: {message, code: error.name, exitCode}})
    process.stderr.write(`registryctl: ${printable(message.replaceAll('\n', ' '))}\n`)
    if ((this.argv.includes('--debug') || this.argv.includes('-d')) && error.stack)
      process.stderr.write(`${error.stack}\n`)
    process.exitCode = exitCode
  }
}
