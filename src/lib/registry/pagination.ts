/**
 * Link-header pagination for the catalog and tag lists. Distribution sends a relative
 * `Link: </v2/_catalog?last=…&n=…>; rel="next"` whenever a page was full (so the last page may be
 * empty); other registries send absolute URLs or ignore `n` altogether. A registry that hands back a
 * page it already served would loop forever, so repeated URLs end the walk with an error.
 */
import {ProtocolError} from '../errors.js'

/** The `rel="next"` target of a Link header, resolved against the URL of the page it came with. */
export function nextPageUrl(link: string | string[] | undefined, currentUrl: string): string | undefined {
  if (!link) return undefined
  const values = Array.isArray(link) ? link : [link]
  for (const value of values) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const match = /^\s*<([^>]*)>(.*)$/.exec(part)
      if (!match) continue
      const rels = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2]!)?.[1]?.toLowerCase().split(/\s+/) ?? []
      if (rels.includes('next')) return new URL(match[1]!, currentUrl).toString()
    }
  }

  return undefined
}

export interface Page<T> {
  items: T[]
  next?: string
}

export const MAX_PAGES = 100_000

/** Walk pages from `firstUrl`, returning the items in order without duplicates. */
export async function collectPages<T>(firstUrl: string, fetchPage: (url: string) => Promise<Page<T>>): Promise<T[]> {
  const seen = new Set<string>()
  const items: T[] = []
  const unique = new Set<T>()
  let url: string | undefined = firstUrl
  while (url) {
    if (seen.has(url))
      throw new ProtocolError(`pagination loop: the registry sent ${new URL(url).pathname}${new URL(url).search} twice`)
    if (seen.size >= MAX_PAGES) throw new ProtocolError(`pagination did not end after ${MAX_PAGES} pages`)
    seen.add(url)

    const page: Page<T> = await fetchPage(url)
    for (const item of page.items) {
      if (!unique.has(item)) {
        unique.add(item)
        items.push(item)
      }
    }

    url = page.next
  }

  return items
}
