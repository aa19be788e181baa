/** Found by an adversarial hunt: login/logout and a config.json that is a symlink (dotfile managers keep it so). */
import {strict as assert} from 'node:assert'
import {lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {runCli} from '../helpers/cli.js'

describe('login with a symlinked config.json', () => {
  let dir: string
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'registryctl-login-'))))
  afterEach(async () => rm(dir, {recursive: true, force: true}))

  // Fixed defect, as found: src/lib/registry/auth/credential-store.ts:43 renames the temporary file over the symlink: config.json
  // becomes a regular file and the file it pointed at (where docker reads and writes, as docker's own
  // Save resolves the link) keeps the old credentials. Fix: writeConfig(await realpath(path) when it exists).
  it('writes through a symlinked config.json and keeps the link', async () => {
    await mkdir(join(dir, 'docker'))
    await mkdir(join(dir, 'dotfiles'))
    const target = join(dir, 'dotfiles', 'config.json')
    await writeFile(
      target,
      JSON.stringify({auths: {'other.example:1': {auth: Buffer.from('x:y').toString('base64')}}}),
      {mode: 0o600},
    )
    await symlink('../dotfiles/config.json', join(dir, 'docker', 'config.json'))
    const {code} = await runCli(['login', 'localhost:5999', '-u', 'bob', '--password-stdin', '--no-verify'], {
      input: 'secret',
      env: {DOCKER_CONFIG: join(dir, 'docker')},
    })
    assert.equal(code, 0)
    assert.ok((await lstat(join(dir, 'docker', 'config.json'))).isSymbolicLink(), 'config.json is still a symlink')
    const written = JSON.parse(await readFile(target, 'utf8')) as {auths: Record<string, unknown>}
    assert.ok(written.auths['localhost:5999'], 'the credentials went to the file the link points at')
    assert.ok(written.auths['other.example:1'], 'the other entries are kept')
  })
})
