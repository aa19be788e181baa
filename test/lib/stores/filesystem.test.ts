import {strict as assert} from 'node:assert'
import {mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {FilesystemReader} from '../../../src/lib/stores/filesystem.js'
import type {ListPage} from '../../../src/lib/stores/storage.js'
import {useTempDir} from '../../helpers/tmp.js'

async function collect(pages: AsyncIterable<ListPage>): Promise<ListPage[]> {
  const found: ListPage[] = []
  for await (const page of pages) found.push(page)
  return found
}

describe('gc/filesystem reader', () => {
  const dir = useTempDir('fsreader')
  before(async () => {
    await mkdir(join(dir(), 'a', 'b', 'empty'), {recursive: true})
    await writeFile(join(dir(), 'a', 'b', 'file'), 'hello')
    await writeFile(join(dir(), 'a', 'top'), 'x')
    for (let i = 0; i < 1200; i++) {
      await mkdir(join(dir(), 'many', String(i).padStart(4, '0')), {recursive: true})
      await writeFile(join(dir(), 'many', String(i).padStart(4, '0'), 'link'), 'l')
    }
  })

  it('lists a folder tree flat, folder by folder, an empty folder as a key ending in /, with sizes when asked', async () => {
    const [page] = await collect(new FilesystemReader(dir()).list('a/', {sizes: true}))
    assert.deepEqual(
      page!.objects.map((object) => [object.key, object.size]),
      [
        ['a/top', 1],
        ['a/b/file', 5],
        ['a/b/empty/', undefined],
      ],
    )
  })

  it('lists one level with a delimiter, and pages of 1,000', async () => {
    const [page] = await collect(new FilesystemReader(dir()).list('a/', {delimiter: true}))
    assert.deepEqual(page, {objects: [{key: 'a/top'}], prefixes: ['a/b/']})
    const pages = await collect(new FilesystemReader(dir()).list('many/'))
    assert.deepEqual(
      pages.map((p) => p.objects.length),
      [1000, 200],
    )
    assert.equal(pages[1]!.objects.at(-1)!.key, 'many/1199/link')
  })

  it('reads and stats, and says undefined for what is missing (also a missing folder lists empty)', async () => {
    const reader = new FilesystemReader(dir())
    assert.equal((await reader.read('a/b/file'))!.toString(), 'hello')
    assert.equal((await reader.stat('a/b/file'))!.size, 5)
    assert.equal(await reader.read('nope'), undefined)
    assert.equal(await reader.stat('nope/deeper'), undefined)
    assert.deepEqual(await collect(reader.list('nope/')), [])
  })
})
