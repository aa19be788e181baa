/**
 * Every command, run as a user would against the production shape (TLS front with realms, anonymous
 * reads, the read-only front, the node's own port): it either does its job or fails with one
 * documented line, never an internal error or a stack. The behaviour tests beside this one check
 * what each kind of command must do; this one keeps the table itself honest.
 */
import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'
import {useProduction} from '../helpers/production.js'
import {COMMANDS, type Target} from './commands.js'

describe('every command against the production shape @integration', () => {
  const production = useProduction()
  const targets = (): Array<[string, Target]> => {
    const p = production()
    return [
      ['the TLS front', {host: p.front, dir: p.dir, connection: ['--ca-file', p.caFile], writes: 'realms'}],
      ["the node's own port", {host: p.direct, dir: p.dir, connection: [], writes: 'open'}],
      [
        'the read-only front',
        {host: p.readOnlyFront, dir: p.dir, connection: ['--ca-file', p.caFile], writes: 'read-only'},
      ],
    ]
  }

  for (const command of COMMANDS) {
    it(`${command.id}: runs against the fronts and the node, or fails with one documented line`, async () => {
      for (const [label, target] of targets()) {
        const argv = await command.argv(target)
        // login reads a password; give none, so it fails the documented way rather than hang.
        const {code, stdout, stderr} = await runCli(argv, {input: ''})
        assert.notEqual(code, ExitCode.INTERNAL, `${command.id} against ${label}: ${stderr}`)
        assert.doesNotMatch(stderr, /\n\s+at /, `${command.id} against ${label} printed a stack: ${stderr}`)
        // Failing smoke checks are its report (stdout), not an error line.
        const why = command.kinds.includes('probe') ? `${stdout}${stderr}` : stderr
        if (code !== 0)
          assert.match(
            why,
            /^registryctl: |FAIL/m,
            `${command.id} against ${label} exited ${code} without saying why: ${why}`,
          )
      }
    })
  }
})
