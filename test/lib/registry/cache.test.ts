import {strict as assert} from 'node:assert'
import {readdir, readFile, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ContentCache, defaultCacheDir} from '../../../src/lib/registry/cache.js'
import {sha256Digest} from '../../../src/lib/registry/manifests.js'
import {seededRandom, testSeed} from '../../helpers/prng.js'
import {useTempDir} from '../../helpers/tmp.js'

const entryPath = (dir: string, digest: string) => join(dir, 'sha256', digest.slice(7, 9), digest.slice(7))

describe('content-addressed cache', () => {
  const dir = useTempDir('cache')

  it('lives in $XDG_CACHE_HOME/registryctl, else ~/.cache/registryctl', () => {
    assert.equal(defaultCacheDir({XDG_CACHE_HOME: '/var/cache/me'}), '/var/cache/me/registryctl')
    assert.match(defaultCacheDir({}, tmpdir()) ?? '', /\/\.cache\/registryctl$/)
    // The XDG spec: a relative path is invalid and ignored.
    assert.match(defaultCacheDir({XDG_CACHE_HOME: 'relative'}, tmpdir()) ?? '', /\/\.cache\/registryctl$/)
    // A system user's home that does not exist is not created for a cache (root could).
    assert.equal(defaultCacheDir({}, '/nonexistent'), undefined)
    assert.equal(defaultCacheDir({XDG_CACHE_HOME: '/var/cache/me'}, '/nonexistent'), '/var/cache/me/registryctl')
  })

  it('returns what was stored under its digest, with its media type', async () => {
    const cache = new ContentCache(join(dir(), 'a'))
    const data = Buffer.from('{"schemaVersion":2}')
    const digest = sha256Digest(data)
    assert.equal(await cache.get(digest), undefined)
    await cache.put(digest, 'application/vnd.oci.image.manifest.v1+json', data)
    assert.deepEqual(await cache.get(digest), {mediaType: 'application/vnd.oci.image.manifest.v1+json', data})
    assert.deepEqual(cache.stats, {hits: 1, misses: 1, corrupt: 0, stored: 1, evicted: 0})
  })

  it('never stores content under a digest it does not hash to, nor anything under a malformed digest', async () => {
    const cache = new ContentCache(join(dir(), 'b'))
    const digest = sha256Digest('the real content')
    await cache.put(digest, '', Buffer.from('something else'))
    await cache.put('sha256:../../etc', '', Buffer.from('x'))
    assert.equal(await cache.get(digest), undefined)
    assert.equal(cache.stats.stored, 0)
  })

  it('treats a corrupt entry as a miss and removes it', async () => {
    const cache = new ContentCache(join(dir(), 'c'))
    const data = Buffer.from('config bytes')
    const digest = sha256Digest(data)
    await cache.put(digest, '', data)
    await writeFile(entryPath(cache.dir, digest), '\nconfig bytez')
    assert.equal(await cache.get(digest), undefined)
    assert.equal(cache.stats.corrupt, 1)
    await assert.rejects(readFile(entryPath(cache.dir, digest)), {code: 'ENOENT'})
  })

  it('stays within its size bound, removing the least recently used entries first', async () => {
    const cache = new ContentCache(join(dir(), 'd'), 10_000)
    const digests: string[] = []
    for (let i = 0; i < 12; i++) {
      const data = Buffer.alloc(1000, i)
      const digest = sha256Digest(data)
      digests.push(digest)
      await cache.put(digest, '', data)
      // Oldest first: entry i was last used i minutes after the first.
      await utimes(entryPath(cache.dir, digest), 1_700_000_000 + i * 60, 1_700_000_000 + i * 60)
    }

    await cache.settled()
    await cache.prune()
    const left = (await readdir(join(cache.dir, 'sha256'), {recursive: true})).filter((name) =>
      /[a-f0-9]{64}$/.test(name),
    )
    assert.ok(left.length <= 8, `${left.length} entries left`)
    assert.ok(left.length >= 6, `${left.length} entries left`)
    assert.equal(await cache.get(digests[0]!), undefined)
    assert.ok(await cache.get(digests[11]!))
  })

  it('measures every entry only when an estimate from a few folders says the bound is passed', async () => {
    const bytesPerEntry = 300 + 1 // the content and the newline after an empty media type
    const entries = 3000
    const fill = async (cache: ContentCache) => {
      for (let i = 0; i < entries; i++) {
        const data = Buffer.from(`entry ${i}`.padEnd(300))
        await cache.put(sha256Digest(data), '', data)
      }
    }

    // An earlier run filled it (its first store, into a small cache, measured every entry).
    const earlier = new ContentCache(join(dir(), 'big'))
    await fill(earlier)
    await earlier.settled()
    // A later run with this bound stores one entry: how often does it measure every entry?
    const seed = testSeed(1212)
    let measured = 0
    const storeOneMore = async (maxBytes: number, text: string) => {
      const cache = new ContentCache(join(dir(), 'big'), maxBytes, seededRandom(seed))
      cache.prune = async () => {
        measured++
      }

      const data = Buffer.from(text)
      await cache.put(sha256Digest(data), '', data)
      await cache.settled()
      return cache
    }

    const big = await storeOneMore(100 * entries * bytesPerEntry, 'one more entry')
    assert.equal(measured, 0, 'a cache far below its bound is not measured entry by entry')
    // Four folders of 256 hold about 47 of 3,000 entries: the estimate is rough, never off by 2x.
    for (const at of Array.from({length: 64}, (_, k) => k / 64)) {
      const estimate = (await big.estimateBytes(() => at))!
      assert.ok(
        estimate > (entries * bytesPerEntry) / 2 && estimate < entries * bytesPerEntry * 2,
        `estimate ${estimate}`,
      )
    }

    // A tenth of its size: even the four emptiest folders (about 6 entries) estimate it over that.
    await storeOneMore((entries * bytesPerEntry) / 10, 'another entry')
    assert.equal(measured, 1, 'a cache past its bound is measured')
    // A small cache (under ~1,000 entries) is measured every time: exact, and cheap.
    const tiny = new ContentCache(join(dir(), 'tiny'), 1_000_000)
    const data = Buffer.from('one entry')
    await tiny.put(sha256Digest(data), '', data)
    assert.equal(await tiny.estimateBytes(), undefined)
  })
})
