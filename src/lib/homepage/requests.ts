/**
 * Counts the requests a build sends, by kind, from the transport's per-request debug lines
 * (`METHOD URL -> STATUS (N ms)`): what a rebuild costs, measured on the wire rather than assumed.
 */
export interface RequestCounts {
  catalog: number
  tagLists: number
  manifestHeads: number
  manifestGets: number
  blobGets: number
  /** Everything else: API root, token requests, scheme probes. */
  other: number
  /** Retries of any of the above (also counted in their kind once). */
  retries: number
}

export class RequestCounter {
  readonly counts: RequestCounts = {
    catalog: 0,
    tagLists: 0,
    manifestHeads: 0,
    manifestGets: 0,
    blobGets: 0,
    other: 0,
    retries: 0,
  }

  /** A debug sink for SessionOptions.debug; `forward` receives every line too (for --debug). */
  sink(forward?: (line: string) => void): (line: string) => void {
    return (line: string) => {
      this.record(line)
      forward?.(line)
    }
  }

  record(line: string): void {
    if (line.startsWith('retry #')) {
      this.counts.retries++
      return
    }

    const match = /^([A-Z]+) (\S+) -> /.exec(line)
    if (!match) return
    const [, method, url] = match
    let path: string
    try {
      path = new URL(url!).pathname
    } catch {
      this.counts.other++
      return
    }

    if (path === '/v2/_catalog') this.counts.catalog++
    else if (/^\/v2\/.+\/tags\/list$/.test(path)) this.counts.tagLists++
    else if (/^\/v2\/.+\/manifests\/[^/]+$/.test(path)) {
      if (method === 'HEAD') this.counts.manifestHeads++
      else if (method === 'GET') this.counts.manifestGets++
      else this.counts.other++
    } else if (method === 'GET' && /^\/v2\/.+\/blobs\/[^/]+$/.test(path)) this.counts.blobGets++
    else this.counts.other++
  }

  total(): number {
    const {retries: _retries, ...kinds} = this.counts
    return Object.values(kinds).reduce((sum, count) => sum + count, 0)
  }
}
