import {strict as assert} from 'node:assert'
import {createHash} from 'node:crypto'

import {DigestTable} from '../../../src/lib/gc/digest-table.js'

const digest = (i: number) => `sha256:${createHash('sha256').update(String(i)).digest('hex')}`

describe('gc/digest-table', () => {
  it('gives each digest one id, finds it again and spells it back, past several growths', () => {
    const table = new DigestTable()
    const ids = Array.from({length: 10_000}, (_, i) => table.intern(digest(i)))
    assert.equal(new Set(ids).size, 10_000)
    assert.equal(table.size, 10_000)
    for (let i = 0; i < 10_000; i += 97) {
      assert.equal(table.intern(digest(i)), ids[i])
      assert.equal(table.find(digest(i)), ids[i])
      assert.equal(table.digest(ids[i]!), digest(i))
    }

    assert.equal(table.find(digest(10_001)), undefined)
    assert.equal(table.size, 10_000)
  })

  it('keeps flags and sizes per id across growth', () => {
    const table = new DigestTable()
    const first = table.intern(digest(0))
    table.set(first, 4)
    table.setSize(first, 1234)
    for (let i = 1; i < 9000; i++) table.intern(digest(i))
    assert.ok(table.has(first, 4))
    assert.ok(!table.has(first, 2))
    assert.equal(table.sizeOf(first), 1234)
    assert.ok(Number.isNaN(table.sizeOf(table.find(digest(8999))!)))
  })

  it('holds other algorithms and malformed digests as strings, apart from sha256 ones', () => {
    const table = new DigestTable()
    const other = `sha512:${'ab'.repeat(64)}`
    const a = table.intern(other)
    const b = table.intern('sha256:ABC')
    const c = table.intern(digest(1))
    assert.equal(new Set([a, b, c]).size, 3)
    assert.equal(table.intern(other), a)
    assert.equal(table.digest(a), other)
    assert.equal(table.digest(b), 'sha256:ABC')
    assert.equal(table.find(digest(1)), c)
  })

  it('never takes a fallback id (no bytes of its own) for the all-zero sha256 digest', () => {
    const table = new DigestTable()
    const malformed = table.intern('sha256:not-hex')
    const zero = `sha256:${'0'.repeat(64)}`
    const id = table.intern(zero)
    assert.notEqual(id, malformed)
    assert.equal(table.find(zero), id)
    assert.equal(table.digest(id), zero)
  })

  it('interns a digest from its algorithm and hex apart as from the whole string', () => {
    const table = new DigestTable()
    const d = digest(7)
    const id = table.internHex('sha256', d.slice(7))
    assert.equal(table.intern(d), id)
    assert.equal(table.digest(id), d)
    // Upper case, another algorithm, a short hex: kept as the strings they spell, as intern() keeps them.
    const upper = table.internHex('sha256', d.slice(7).toUpperCase())
    assert.notEqual(upper, id)
    assert.equal(table.digest(upper), `sha256:${d.slice(7).toUpperCase()}`)
    assert.equal(table.intern(`sha256:${d.slice(7).toUpperCase()}`), upper)
    const other = table.internHex('sha512', 'ab'.repeat(64))
    assert.equal(table.intern(`sha512:${'ab'.repeat(64)}`), other)
    assert.equal(table.find(`sha256:${d.slice(8)}`), undefined)
    assert.equal(table.size, 3)
  })
})
