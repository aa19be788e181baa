/** Text for `registryctl homepage`: progress lines and the closing summary. */
import type {CrawlProgress} from '../../lib/homepage/crawl.js'
import type {HomepageResult} from '../../lib/homepage/build.js'
import type {RequestCounts} from '../../lib/homepage/requests.js'

export function formatProgress(progress: CrawlProgress): string {
  if (progress.phase === 'catalog') return 'reading the catalog'
  const percent = progress.total === 0 ? 100 : Math.floor((progress.done * 100) / progress.total)
  return `repositories ${progress.done}/${progress.total} (${percent}%)${progress.name ? ` ${progress.name}` : ''}`
}

/**
 * Plain progress for logs (no terminal): the catalog, then a line at every tenth of the repositories,
 * so an hourly timer writes a dozen lines to the journal rather than one per repository.
 */
export function plainProgress(write: (line: string) => void): (progress: CrawlProgress) => void {
  let lastTenth = -1
  return (progress) => {
    if (progress.phase === 'catalog') {
      write(formatProgress(progress))
      return
    }

    const tenth = progress.total === 0 ? 10 : Math.floor((progress.done * 10) / progress.total)
    if (tenth === lastTenth) return
    lastTenth = tenth
    write(formatProgress({...progress, name: undefined}))
  }
}

export function formatRequests(counts: RequestCounts): string {
  const parts = [
    `${counts.catalog} catalog`,
    `${counts.tagLists} tag lists`,
    `${counts.manifestHeads} manifest HEADs`,
    `${counts.manifestGets} manifest GETs`,
    `${counts.blobGets} blob GETs`,
    `${counts.other} other`,
  ]
  if (counts.retries > 0) parts.push(`${counts.retries} retries`)
  return `requests: ${parts.join(', ')}`
}

export function formatHomepageSummary(result: HomepageResult, counts: RequestCounts): string[] {
  const {stats} = result
  const hidden = [
    `${stats.hidden.byGlob.length} by --hide`,
    `${stats.hidden.restricted.length} needing credentials`,
    `${stats.hidden.empty} without tags`,
  ]
  if (stats.hidden.invalid.length > 0) hidden.push(`${stats.hidden.invalid.length} with invalid names`)
  return [
    `published ${result.out}: ${result.repositories} repositories, ${result.tags} tags (${stats.changedTags} new or moved, ${stats.removedTags} gone since the last build)`,
    `hidden: ${hidden.join(', ')}`,
    `images: ${stats.summaries.read} read, ${stats.summaries.reused} from the state (${result.statePath})`,
    formatRequests(counts),
  ]
}
