/**
 * Every command that reads one reference takes many (arguments, or `-` for stdin lines) and treats
 * each one's failure as that reference's alone: one line on stderr naming it, the rest still done,
 * output in input order, the exit code that of the first failure. A read command added to the table
 * without this fails here.
 */
import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'
import {useProduction} from '../helpers/production.js'
import {commandsOfKind, type Target} from './commands.js'

describe('many references per call, each failing alone @integration', () => {
  const production = useProduction()
  const front = (): Target => {
    const p = production()
    return {host: p.front, dir: p.dir, connection: ['--ca-file', p.caFile], writes: 'realms'}
  }

  for (const command of commandsOfKind('read')) {
    it(`${command.id}: reads every reference of stdin in order; a bad one is reported alone`, async () => {
      const argv = await command.argv(front())
      // The typical run's reference, and variants of it: restricted/ answers 401 to anonymous reads.
      const good = argv[1]!
      const restricted = good.replace('/team/app', '/restricted/secret-app').replace(':stable', ':1.0')
      const missing = good.replace('/team/app', '/team/no-such-repository')
      const invalid = good.replace('/team/app', '/Team/App')
      const inputs = [good, restricted, missing, invalid, good]
      const stdin = `# images to check\n${inputs.slice(0, 2).join('\n')}\n\n${inputs.slice(2).join('\n')}\n`
      const withStdin = (extra: string[]) => [argv[0]!, '-', ...argv.slice(2), ...extra]

      const text = await runCli(withStdin([]), {input: stdin})
      const errors = text.stderr.trimEnd().split('\n')
      assert.equal(errors.length, 3, text.stderr)
      errors.forEach((line, i) => {
        assert.ok(line.startsWith(`registryctl: ${inputs[i + 1]}: `), `${line} should name ${inputs[i + 1]}`)
      })

      assert.match(errors[0]!, /realm "docker-registry restricted/)
      assert.equal(text.code, ExitCode.UNAUTHORIZED, 'the first failure gives the exit code')
      assert.notEqual(text.stdout, '')

      const json = await runCli(withStdin(['--json']), {input: stdin})
      const lines = json.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as {error?: {exitCode: number}; reference?: string})
      assert.deepEqual(
        lines.map((line) => line.error?.exitCode ?? 0),
        [0, ExitCode.UNAUTHORIZED, ExitCode.NOT_FOUND, ExitCode.USAGE, 0],
        'one JSON line per reference, in input order',
      )
      // Each good reference's object is what the command gives for it alone.
      const single = await runCli([...argv, '--json'])
      assert.equal(single.code, 0, single.stderr)
      assert.deepEqual(lines[0], JSON.parse(single.stdout))
      assert.deepEqual(lines[4], lines[0])
    })
  }
})
