import {strict as assert} from 'node:assert'

import {ProtocolError} from '../../../src/lib/errors.js'
import {collectPages, nextPageUrl} from '../../../src/lib/registry/pagination.js'

describe('pagination', () => {
  it("resolves distribution's relative Link against the page URL", () => {
    assert.equal(
      nextPageUrl('</v2/_catalog?last=b&n=100>; rel="next"', 'https://r.example:5000/v2/_catalog?n=100'),
      'https://r.example:5000/v2/_catalog?last=b&n=100',
    )
  })

  it('finds next among several links and unquoted rels, and nothing without one', () => {
    assert.equal(nextPageUrl('<https://x/p1>; rel="prev", <https://x/p3>; rel=next', 'https://x/p2'), 'https://x/p3')
    assert.equal(nextPageUrl('<https://x/p1>; rel="prev"', 'https://x/p2'), undefined)
    assert.equal(nextPageUrl(undefined, 'https://x/'), undefined)
  })

  it('collects pages in order, including an empty last page, without duplicates', async () => {
    const pages: Record<string, {items: string[]; next?: string}> = {
      'u:1': {items: ['a', 'b'], next: 'u:2'},
      'u:2': {items: ['b', 'c'], next: 'u:3'},
      'u:3': {items: []},
    }
    assert.deepEqual(await collectPages('u:1', async (url) => pages[url]!), ['a', 'b', 'c'])
  })

  it('stops a registry that sends the same page again', async () => {
    await assert.rejects(
      collectPages('https://x/v2/_catalog?n=2', async () => ({items: ['a'], next: 'https://x/v2/_catalog?n=2'})),
      (error: Error) => error instanceof ProtocolError && /pagination loop/.test(error.message),
    )
  })
})
