/**
 * Per-registry settings reach every command that talks to a registry, smoke and homepage included:
 * the TLS front's CA given only as `registries: {HOST: {ca-file: …}}` in the settings file, or only
 * in docker's certs.d (`HOST/ca.crt`), works as well as --ca-file does.
 */
import {strict as assert} from 'node:assert'
import {copyFile, mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode} from '../../src/lib/errors.js'
import {useProduction} from '../helpers/production.js'
import {COMMANDS, runCase, type Target} from './commands.js'

describe('per-registry settings reach every command @integration', () => {
  const production = useProduction()
  let settingsFile = ''
  let certsD = ''
  before(async () => {
    const p = production()
    settingsFile = join(p.dir, 'settings.yaml')
    await writeFile(settingsFile, `registries:\n  "${p.front}":\n    ca-file: ${p.caFile}\n`)
    certsD = join(p.dir, 'certs.d')
    await mkdir(join(certsD, p.front), {recursive: true})
    await copyFile(p.caFile, join(certsD, p.front, 'ca.crt'))
  })

  /**
   * The front's typical argv, with or without its --ca-file. The table is asked with the flag (smoke
   * picks https from it, delete-manifest reads a digest with it), which is then taken out.
   */
  async function argvFor(command: (typeof COMMANDS)[number], withCaFile: boolean): Promise<string[]> {
    const p = production()
    const target: Target = {host: p.front, dir: p.dir, connection: ['--ca-file', p.caFile], writes: 'realms'}
    const argv = await command.argv(target)
    const flag = argv.indexOf('--ca-file')
    if (!withCaFile && flag >= 0) argv.splice(flag, 2)
    return argv
  }

  const run = (argv: string[], env: NodeJS.ProcessEnv) => runCase(argv, env, production().dir)

  for (const command of COMMANDS.filter((c) => !c.kinds.includes('local'))) {
    it(`${command.id}: the CA from the settings file or certs.d, as with --ca-file`, async () => {
      const withFlag = await run(await argvFor(command, true), {})
      assert.notEqual(withFlag.code, ExitCode.TLS, `${command.id} with --ca-file: ${withFlag.stderr}`)
      const argv = await argvFor(command, false)
      assert.ok(!argv.includes('--ca-file'))
      for (const [label, env] of [
        ['ca-file in the settings file', {REGISTRYCTL_CONFIG: settingsFile}],
        ['certs.d', {REGISTRYCTL_CERTS_D: certsD}],
      ] as const) {
        const {code, stdout, stderr} = await run(argv, env)
        assert.doesNotMatch(`${stdout}${stderr}`, /TLS failure/, `${command.id} with the ${label}`)
        assert.equal(code, withFlag.code, `${command.id} with the ${label}: ${stderr}${stdout.slice(0, 2000)}`)
      }
    })
  }
})
