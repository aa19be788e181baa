/** The consistency table names every command the CLI has: a new command must say how it is run. */
import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'

import {COMMANDS} from './commands.js'

describe('consistency table', () => {
  it('has one case for every command in the oclif manifest, and none that does not exist', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {
      commands: Record<string, unknown>
    }
    const ids = Object.keys(manifest.commands).map((id) => id.replaceAll(':', ' '))
    assert.deepEqual(COMMANDS.map((command) => command.id).sort(), ids.sort())
  })
})
