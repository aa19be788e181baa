/**
 * One flow for every destructive command (plan → preflight → prompt → execute → report), checked
 * for each command of kind `delete` against the production shape: the preflight (deletes enabled,
 * writes accepted, credentials accepted) runs before the prompt and in every --dry-run; a front that
 * refuses writes before authentication is named as read-only maintenance, not as missing credentials;
 * the prompt is on the terminal, never on stdout; Ctrl-C at the prompt exits 130. Every run here
 * answers no (or is refused first): the shared fixture is never changed.
 */
import {strict as assert} from 'node:assert'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli, runCliInTerminal} from '../helpers/cli.js'
import {USERS, useProduction} from '../helpers/production.js'
import {commandsOfKind, type Target} from './commands.js'

const READ_ONLY =
  /refuses writes before authentication \(403 from the front, no credentials asked\): the registry is probably in read-only maintenance/
/** The typical argv runs with --dry-run; a real run is the same without it. */
const realRun = (argv: string[]) => argv.filter((arg) => arg !== '--dry-run')
const PROMPT = /\(y\/N\)/

/**
 * Push credentials the command can plan with. A command that walks the catalog reads restricted/ too,
 * which only the restricted account may (production: no account both reads restricted/ and pushes
 * elsewhere), so it plans with that account, whose password the regular-push realm rejects.
 */
const planningAccount = (kinds: readonly string[]) => (kinds.includes('walk') ? USERS.restrictedPush : USERS.push)

describe('every destructive command goes through one flow @integration', () => {
  const production = useProduction()
  const target = (host: string, writes: Target['writes']): Target => {
    const p = production()
    return {host, dir: p.dir, connection: ['--ca-file', p.caFile], writes}
  }
  /** The node's own port: writes open to anyone, so the flow reaches its prompt. */
  const node = (): Target => ({host: production().direct, dir: production().dir, connection: [], writes: 'open'})

  for (const command of commandsOfKind('delete')) {
    describe(command.id, () => {
      it('through the read-only front with valid push credentials: refused before the prompt as read-only maintenance, in --dry-run too', async () => {
        const p = production()
        const env = {DOCKER_CONFIG: await p.dockerConfig(p.readOnlyFront, planningAccount(command.kinds))}
        const argv = await command.argv(target(p.readOnlyFront, 'read-only'))
        const dry = await runCli(argv, {env})
        assert.equal(dry.code, ExitCode.UNSUPPORTED, dry.stderr)
        assert.match(dry.stderr, /registryctl: dry run: a real run would be refused: /)
        assert.match(dry.stderr, READ_ONLY)
        assert.doesNotMatch(dry.stderr, /need push credentials|rejected/)

        const real = await runCliInTerminal(realRun(argv), 'n', {env})
        assert.equal(real.code, ExitCode.UNSUPPORTED, real.stdout)
        assert.doesNotMatch(real.stdout, PROMPT, 'asked before the preflight')
        assert.match(real.stdout, READ_ONLY)
        assert.doesNotMatch(real.stdout, /need push credentials/)
      })

      it('credentials the realm of the plan rejects are refused before the prompt, in --dry-run too', async () => {
        const p = production()
        const account = planningAccount(command.kinds)
        // A wrong password; for a walk, the restricted account (regular-push does not know it).
        const credentials = account === USERS.push ? {...account, password: 'wrong'} : account
        const env = {DOCKER_CONFIG: await p.dockerConfig(p.front, credentials)}
        const argv = await command.argv(target(p.front, 'realms'))
        const dry = await runCli(argv, {env})
        assert.equal(dry.code, ExitCode.UNAUTHORIZED, dry.stderr)
        assert.match(dry.stderr, /registryctl: dry run: a real run would be refused: .*rejected/)

        const real = await runCliInTerminal(realRun(argv), 'n', {env})
        assert.equal(real.code, ExitCode.UNAUTHORIZED, real.stdout)
        assert.doesNotMatch(real.stdout, PROMPT, 'asked before the preflight')
      })

      it('asks on the terminal with stdout redirected to a file: the file has no question; "n" is "not confirmed"', async () => {
        const out = join(production().dir, `${command.id.replaceAll(' ', '-')}-stdout.txt`)
        const argv = realRun(await command.argv(node()))
        const run = await runCliInTerminal(argv, 'n', {stdoutTo: out})
        assert.match(run.stdout, PROMPT, 'no question on the screen')
        assert.equal(run.code, ExitCode.ABORTED, run.stdout)
        assert.match(run.stdout, /registryctl: not confirmed; nothing was deleted/)
        assert.doesNotMatch(run.stdout, /stdin/)
        const file = await readFile(out, 'utf8')
        assert.doesNotMatch(file, /\?|\(y\/N\)|\u001B/, `the question reached stdout: ${JSON.stringify(file)}`)
      })

      it('with --password-stdin (stdin carried the password) asks on the terminal (/dev/tty)', async () => {
        const argv = [...realRun(await command.argv(node())), '--username', 'ci', '--password-stdin']
        const run = await runCliInTerminal(argv, 'n', {stdin: 'secret'})
        assert.match(run.stdout, PROMPT, 'no question on the terminal')
        assert.equal(run.code, ExitCode.ABORTED, run.stdout)
        assert.match(run.stdout, /registryctl: not confirmed; nothing was deleted/)
        assert.doesNotMatch(run.stdout, /stdin/)
      })

      it('Ctrl-C at the prompt exits 130, nothing deleted', async () => {
        const argv = realRun(await command.argv(node()))
        const run = await runCliInTerminal(argv, '\u0003')
        assert.match(run.stdout, PROMPT)
        assert.equal(run.code, ExitCode.INTERRUPTED, run.stdout)
        assert.match(run.stdout, /registryctl: interrupted at the prompt; nothing was deleted/)
      })
    })
  }
})
