/**
 * What every registryctl command shares: connection and credential flags, building the library
 * Session from them, and turning any error into one line on stderr with its documented exit code
 * (the stack only with --debug). Commands stay thin: parse → library call → render.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {ExitCode, isRegistryCtlError, UsageError} from './lib/errors.js'
import {Session, type SessionOptions} from './lib/client.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof RegistryCommand)['baseFlags'] & T['flags']>

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export abstract class RegistryCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    insecure: Flags.boolean({helpGroup: 'CONNECTION', description: 'Skip TLS verification and allow plain HTTP (credentials too) to any host.'}),
    'ca-file': Flags.string({helpGroup: 'CONNECTION', description: 'PEM file of CA certificates to trust besides the system ones.'}),
    timeout: Flags.integer({helpGroup: 'CONNECTION', default: 30, min: 1, description: 'Seconds to wait for a connection or an answer, per request.'}),
    retries: Flags.integer({helpGroup: 'CONNECTION', default: 4, min: 0, description: 'Retries for idempotent requests on 429/502/503/504, resets and timeouts.'}),
    concurrency: Flags.integer({helpGroup: 'CONNECTION', default: 8, min: 1, max: 128, description: 'Requests in flight at once.'}),
    username: Flags.string({helpGroup: 'CREDENTIALS', description: 'Registry user; the password is read from stdin (--password-stdin).', dependsOn: ['password-stdin']}),
    'password-stdin': Flags.boolean({helpGroup: 'CREDENTIALS', description: 'Read the password for --username from stdin.', dependsOn: ['username']}),
    debug: Flags.boolean({description: 'Log each request (never credentials) and print stacks of errors.'}),
  }

  protected async buildSession(flags: {
    insecure: boolean
    'ca-file'?: string
    timeout: number
    retries: number
    concurrency: number
    username?: string
    'password-stdin': boolean
    debug: boolean
  }): Promise<Session> {
    let explicit: SessionOptions['explicit']
    if (flags.username) {
      if (process.stdin.isTTY) throw new UsageError('--password-stdin expects the password on a pipe, e.g. printf %s "$PASS" | registryctl …')
      const password = (await readStdin()).replace(/\r?\n$/, '')
      if (!password) throw new UsageError('--password-stdin read an empty password')
      explicit = {username: flags.username, password}
    }

    return new Session({
      insecure: flags.insecure,
      caFile: flags['ca-file'],
      timeoutMs: flags.timeout * 1000,
      retries: flags.retries,
      concurrency: flags.concurrency,
      explicit,
      userAgent: `registryctl/${this.config.version}`,
      debug: flags.debug ? (line) => process.stderr.write(`debug: ${line}\n`) : undefined,
    })
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    // oclif's own exits (help, version, this.exit) are not errors.
    if (error instanceof Errors.ExitError) throw error
    let exitCode: number
    let message = error.message
    if (isRegistryCtlError(error)) {
      exitCode = error.exitCode
      if (error.hint) message += ` (${error.hint})`
    } else if (error.oclif?.exit !== undefined) {
      // Flag and argument parsing errors.
      exitCode = error.oclif.exit === 0 ? 0 : ExitCode.USAGE
      message = message.split('\n')[0] ?? message
    } else {
      exitCode = ExitCode.INTERNAL
      message = `internal error: ${message}`
    }

    if (this.jsonEnabled()) this.logJson({error: {message, code: error.name, exitCode}})
    process.stderr.write(`registryctl: ${message.replaceAll('\n', ' ')}\n`)
    if (this.argv.includes('--debug') && error.stack) process.stderr.write(`${error.stack}\n`)
    process.exitCode = exitCode
  }
}
