/**
 * One meaning for -s in every command: only results (stdout) and errors. A successful run with -s
 * writes nothing on stderr, without a terminal (where homepage writes plain progress lines for the
 * journal) and on one (where the progress line is drawn). Commands come from the consistency table.
 */
import {strict as assert} from 'node:assert'
import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'

import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {runCli, runCliInTerminal} from '../helpers/cli.js'
import {localSession} from '../helpers/registry.js'
import {USERS, useProduction} from '../helpers/production.js'
import {COMMANDS, type Target} from './commands.js'

describe('-s leaves only results and errors, in every command @integration', () => {
  const production = useProduction()
  /** The node's own port: every command succeeds there (writes are open). */
  const target = (): Target => ({host: production().direct, dir: production().dir, connection: [], writes: 'open'})

  /** login needs a password on stdin and somewhere to store it; the others run as the table says. */
  async function run(argv: string[], id: string, options: {terminal: boolean}) {
    const env = {DOCKER_CONFIG: join(production().dir, `silent-docker-${id.replace(' ', '-')}`)}
    await mkdir(env.DOCKER_CONFIG, {recursive: true})
    if (id === 'login') {
      const login = [...argv, '--username', USERS.push.username, '--password-stdin', '--no-verify', '-s']
      return runCli(login, {input: USERS.push.password, env})
    }

    return options.terminal ? runCliInTerminal([...argv, '-s'], 'n', {env}) : runCli([...argv, '-s'], {env})
  }

  it('a real deletion -s on a terminal: the outcome lines, no progress view', async () => {
    // Two images of their own (the table's commands run with --dry-run on the shared samples).
    const client = localSession().client({host: production().direct})
    for (const tag of ['one', 'two'])
      await pushImage(client, 'scratch/silent', [tag], buildImage({created: '2025-01-01T00:00:00Z', layers: [tag]}))
    const {code, stdout} = await runCliInTerminal(
      ['delete-tags', `${production().direct}/scratch/silent:*`, '--yes', '-s'],
      'n',
    )
    assert.equal(code, 0, stdout)
    assert.match(stdout, /scratch\/silent:one/)
    assert.doesNotMatch(stdout, /\r(?!\n)|\u001B\[K|Deleting from/, JSON.stringify(stdout))
  })

  for (const command of COMMANDS) {
    it(`${command.id} -s: nothing on stderr when it succeeds`, async () => {
      const {code, stdout, stderr} = await run(await command.argv(target()), command.id, {terminal: false})
      assert.equal(code, 0, `${command.id}: ${stderr}`)
      assert.equal(stderr, '', `${command.id} -s wrote on stderr`)
      assert.notEqual(stdout, '', `${command.id} -s still prints its result`)
    })

    if (command.id === 'login') continue
    it(`${command.id} -s on a terminal: no progress line, no notes`, async () => {
      // On a pseudo-terminal stdout and stderr share the screen: progress shows as a line redrawn
      // with \r (not followed by \n) or cleared with ESC[K.
      const {code, stdout} = await run(await command.argv(target()), command.id, {terminal: true})
      assert.equal(code, 0, `${command.id}: ${stdout}`)
      assert.doesNotMatch(stdout, /\r(?!\n)|\u001B\[K/, `${command.id} -s drew progress: ${JSON.stringify(stdout)}`)
      assert.doesNotMatch(stdout, /warning|Verified by|Stored for/, stdout)
    })
  }
})
