import {strict as assert} from 'node:assert'

import {type CommandTable, normalizeArgv, readCommandTable, UnknownCommandError} from '../../src/cli/argv.js'
import {runCli} from '../helpers/cli.js'

const table: CommandTable = {
  ids: ['list-tags', 'delete-tags', 'gc:status'],
  valueOptions: new Set(['--ca-file', '--timeout']),
}

describe('argv habits', () => {
  it('moves global options placed before the subcommand after it, values included', () => {
    assert.deepEqual(normalizeArgv(['--debug', 'delete-tags', 'r/a:x', '-f'], table), [
      'delete-tags',
      '--debug',
      'r/a:x',
      '-f',
    ])
    assert.deepEqual(normalizeArgv(['-d', '-s', '--ca-file', 'ca.pem', '--timeout=5', 'list-tags', 'r/a'], table), [
      'list-tags',
      '-d',
      '-s',
      '--ca-file',
      'ca.pem',
      '--timeout=5',
      'r/a',
    ])
    assert.deepEqual(normalizeArgv(['--insecure', 'gc', 'status', 'r'], table), ['gc', 'status', '--insecure', 'r'])
    assert.deepEqual(normalizeArgv(['list-tags', 'r/a', '--debug'], table), ['list-tags', 'r/a', '--debug'])
  })

  it('reads `help COMMAND` as `COMMAND --help`', () => {
    assert.deepEqual(normalizeArgv(['help', 'list-tags'], table), ['list-tags', '--help'])
    assert.deepEqual(normalizeArgv(['help', 'gc', 'status'], table), ['gc', 'status', '--help'])
    assert.deepEqual(normalizeArgv(['help'], table), ['--help'])
    assert.deepEqual(normalizeArgv(['--help'], table), ['--help'])
  })

  it('refuses an unknown command, naming the known ones', () => {
    assert.throws(
      () => normalizeArgv(['list-image', 'r'], table),
      (error: Error) =>
        error instanceof UnknownCommandError &&
        /unknown command "list-image" \(commands: list-tags, delete-tags, gc status;/.test(error.message),
    )
    assert.throws(() => normalizeArgv(['--debug'], table), UnknownCommandError)
  })

  it("reads the commands and the options that take values from oclif's manifest", () => {
    const built = readCommandTable(new URL('../../oclif.manifest.json', import.meta.url))!
    assert.ok(built.ids.includes('gc:status') && built.ids.includes('list-images'))
    assert.ok(built.valueOptions.has('--ca-file') && built.valueOptions.has('--timeout'))
    assert.ok(!built.valueOptions.has('--debug') && !built.valueOptions.has('-d'))
    assert.equal(readCommandTable('/nonexistent/manifest.json'), undefined)
  })

  it('answers through the CLI: help COMMAND, options first, unknown commands in one line', async () => {
    const help = await runCli(['help', 'list-tags'])
    assert.equal(help.code, 0, help.stderr)
    assert.match(help.stdout, /USAGE\n +\$ registryctl list-tags IMAGE/)
    const unknown = await runCli(['list-image', 'localhost:5000'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /^registryctl: unknown command "list-image" \(commands: .*list-images.*\)\n$/)
    const debugFirst = await runCli(['-d', '--retries', '0', 'list-images', '127.0.0.1:9'])
    assert.equal(debugFirst.code, 3, debugFirst.stderr)
    assert.match(debugFirst.stderr, /^debug: GET https:\/\/127\.0\.0\.1:9\/v2\/ -> ECONNREFUSED/m)
    assert.match(debugFirst.stderr, /^registryctl: connection refused by 127\.0\.0\.1:9 \(https\)/m)
    assert.match(debugFirst.stderr, /^UnreachableError: .*\n +at /m)
  })
})
