/** Found by an adversarial hunt: homepage and the longest repository names distribution accepts (255 characters). */
import {strict as assert} from 'node:assert'
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'

// 252 characters in two components: valid for distribution (at most 255 in all), but
// "r/" + name with "/" as "~" + ".json" makes a 257-byte file name, over the 255 of ext4 and most filesystems.
const LONG = `${'a'.repeat(126)}/${'b'.repeat(125)}`

describe('homepage with a 252-character repository name @integration', () => {
  const registry = useRegistry({}, async (running) => {
    const client = localSession().client({host: running.host})
    await pushImage(client, 'team/app', ['1.0'], buildImage({created: '2024-01-01T00:00:00Z', layers: ['app']}))
    await pushImage(client, LONG, ['1.0'], buildImage({created: '2024-01-02T00:00:00Z', layers: ['long']}))
  })
  let dir: string
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'registryctl-homepage-'))))
  afterEach(async () => rm(dir, {recursive: true, force: true}))

  // Fixed defect, as found: src/lib/homepage/render.ts:22 (repositoryPath) makes the whole name one file name, so a
  // valid name over 250 characters fails writeFile with ENAMETOOLONG (src/lib/homepage/publish.ts:78) and
  // every build fails: one repository takes the whole site down. Fix: for names whose file name would pass
  // 255 bytes, use a shortened name plus a hash (e.g. first 200 chars + "-" + sha256 prefix), or nest folders.
  it('publishes the site, the long name included', async () => {
    const out = join(dir, 'site')
    const {code, stderr} = await runCli(['homepage', registry().host, '--out', out])
    assert.equal(code, 0, stderr)
    const pages = await readdir(join(out, 'r'))
    assert.ok(pages.includes('team~app.html'))
    assert.equal(pages.filter((page) => page.startsWith('aaaa')).length, 2, pages.join(', '))
  })
})
