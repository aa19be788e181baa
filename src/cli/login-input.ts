/**
 * Reading a username and password for `login`: the password from stdin (--password-stdin) or a hidden
 * prompt on a terminal; never from a flag, never echoed. Prompt modules load only when prompting.
 */
import {UsageError} from '../lib/errors.js'

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

export async function readLoginCredentials(options: {
  username?: string
  passwordStdin: boolean
  host: string
}): Promise<{username: string; password: string}> {
  const terminal = Boolean(process.stdin.isTTY)
  let {username} = options
  if (!username) {
    if (!terminal || options.passwordStdin)
      throw new UsageError(
        'give the user with --username (the password comes from stdin with --password-stdin, or a hidden prompt on a terminal)',
      )
    const {input} = await import('@inquirer/prompts')
    username = (await input({message: `Username for ${options.host}:`, required: true})).trim()
  }

  let password: string
  if (options.passwordStdin) {
    if (terminal)
      throw new UsageError(
        '--password-stdin expects the password on a pipe, e.g. printf %s "$PASS" | registryctl login …',
      )
    password = (await readAll(process.stdin)).replace(/\r?\n$/, '')
  } else {
    if (!terminal)
      throw new UsageError(
        'stdin is not a terminal: pass the password on stdin with --password-stdin (there is no --password flag)',
      )
    const {password: prompt} = await import('@inquirer/prompts')
    password = await prompt({message: `Password for ${username}@${options.host}:`})
  }

  if (!password) throw new UsageError('the password is empty')
  return {username, password}
}
