import {strict as assert} from 'node:assert'
import {lstat, mkdir, readdir, readFile, readlink, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode, type RegistryCtlError} from '../../../src/lib/errors.js'
import {checkTarget, publishSite, siteLayout} from '../../../src/lib/homepage/publish.js'
import {loadState, saveState, emptyState} from '../../../src/lib/homepage/state.js'
import {useTempDir} from '../../helpers/tmp.js'

describe('homepage publish and state', () => {
  const tmp = useTempDir('homepage-publish')

  it('publishes DIR as a symlink to a version folder, swaps it per build, keeps the previous version only', async () => {
    const layout = siteLayout(join(tmp(), 'site'))
    assert.equal(layout.versions, join(tmp(), '.site.versions'))
    const first = await publishSite(layout, [
      {path: 'index.html', content: 'one'},
      {path: 'r/a.html', content: 'a'},
    ])
    assert.ok((await lstat(layout.out)).isSymbolicLink())
    assert.equal(await readlink(layout.out), join('.site.versions', first.version.split('/').at(-1)!))
    assert.equal(await readFile(join(layout.out, 'r/a.html'), 'utf8'), 'a')
    const second = await publishSite(layout, [{path: 'index.html', content: 'two'}])
    assert.equal(await readFile(join(layout.out, 'index.html'), 'utf8'), 'two')
    assert.equal(second.previous, first.version)
    const third = await publishSite(layout, [{path: 'index.html', content: 'three'}])
    const versions = (await readdir(layout.versions)).sort()
    assert.deepEqual(versions, [second.version, third.version].map((path) => path.split('/').at(-1)!).sort())
  })

  it('never removes the folder of a build running meanwhile', async () => {
    const layout = siteLayout(join(tmp(), 'concurrent'))
    const first = await publishSite(layout, [{path: 'index.html', content: 'one'}])
    const second = await publishSite(layout, [{path: 'index.html', content: 'two'}])
    // Another build started after the second one and has not swapped yet.
    const running = join(layout.versions, `${second.version.split('/').at(-1)!}-running`)
    await mkdir(running)
    const third = await publishSite(layout, [{path: 'index.html', content: 'three'}])
    const names = (await readdir(layout.versions)).filter((name) => name !== 'state.json').sort()
    assert.deepEqual(names, [second.version, running, third.version].map((path) => path.split('/').at(-1)!).sort())
    assert.ok(!names.includes(first.version.split('/').at(-1)!))
  })

  it('a failed build leaves DIR as it was and removes its own half-written folder', async () => {
    const layout = siteLayout(join(tmp(), 'failing'))
    await publishSite(layout, [{path: 'index.html', content: 'good'}])
    const before = await readlink(layout.out)
    // A file where a folder must go: writing the version fails halfway.
    await assert.rejects(
      publishSite(layout, [
        {path: 'index.html', content: 'bad'},
        {path: 'index.html/x', content: 'x'},
      ]),
    )
    assert.equal(await readlink(layout.out), before)
    assert.equal(await readFile(join(layout.out, 'index.html'), 'utf8'), 'good')
    assert.deepEqual(await readdir(layout.versions), [before.split('/').at(-1)])
    assert.deepEqual(
      (await readdir(tmp())).filter((name) => name.includes('.link-')),
      [],
    )
  })

  it('replaces an empty folder, and refuses a folder with content before any request', async () => {
    const empty = siteLayout(join(tmp(), 'empty'))
    await mkdir(empty.out)
    await publishSite(empty, [{path: 'index.html', content: 'x'}])
    assert.ok((await lstat(empty.out)).isSymbolicLink())
    const full = siteLayout(join(tmp(), 'full'))
    await mkdir(full.out)
    await writeFile(join(full.out, 'index.html'), 'theirs')
    await assert.rejects(
      checkTarget(full),
      (error: RegistryCtlError) => error.exitCode === ExitCode.USAGE && /is not a symlink/.test(error.message),
    )
    assert.equal(await readFile(join(full.out, 'index.html'), 'utf8'), 'theirs')
  })

  it('keeps state between builds, and starts over (with a warning) from a state it cannot use', async () => {
    const path = join(tmp(), 'state.json')
    assert.deepEqual(await loadState(path, 'r.example'), {state: emptyState('r.example')})
    const state = {...emptyState('r.example'), tags: {'a/b': {latest: 'sha256:1'}}}
    await saveState(path, state)
    assert.deepEqual((await loadState(path, 'r.example')).state, state)
    const other = await loadState(path, 'other.example')
    assert.deepEqual(other.state, emptyState('other.example'))
    assert.match(other.warning!, /of registry r\.example, not other\.example: full crawl/)
    await writeFile(path, '{not json')
    assert.match((await loadState(path, 'r.example')).warning!, /is not JSON/)
  })
})
