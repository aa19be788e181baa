/**
 * `registryctl homepage`: crawl (incrementally), render, publish atomically, then keep the state for
 * the next build. The state is saved only once the new site is live, so a failed build changes
 * nothing: neither the site nor what the next build starts from.
 */
import {mkdir} from 'node:fs/promises'
import {dirname} from 'node:path'

import {ICON_SVG, SITE_JS, STYLE_CSS} from './assets.js'
import {crawlRegistry, type CrawlOptions, type CrawlStats, type SiteRepository} from './crawl.js'
import {checkTarget, publishSite, type SiteFile, siteLayout} from './publish.js'
import {indexJson, renderIndex, renderRepository, repositoryJson, repositoryPath, type SiteOptions} from './render.js'
import {loadState, saveState} from './state.js'

export interface HomepageOptions extends Omit<CrawlOptions, 'state'> {
  out: string
  /** State file; default beside the versions (see publish.ts). */
  statePath?: string
  /** Name users pull with; default the queried registry's host. */
  pullHost?: string
  baseUrl?: string
}

export interface HomepageResult {
  out: string
  version: string
  statePath: string
  pullHost: string
  repositories: number
  tags: number
  stats: CrawlStats
}

const json = (value: unknown) => `${JSON.stringify(value, null, 1)}\n`

/** Every file of the site. */
export function siteFiles(repositories: SiteRepository[], options: SiteOptions): SiteFile[] {
  return [
    {path: 'index.html', content: renderIndex(repositories, options)},
    {path: 'index.json', content: json(indexJson(repositories, options))},
    {path: 'assets/style.css', content: STYLE_CSS},
    {path: 'assets/site.js', content: SITE_JS},
    {path: 'assets/icon.svg', content: ICON_SVG},
    ...repositories.flatMap((repository) => [
      {path: repositoryPath(repository.name), content: renderRepository(repository, options)},
      {path: repositoryPath(repository.name, 'json'), content: json(repositoryJson(repository, options))},
    ]),
  ]
}

/** The name in pull commands: --pull-host, else the host of --base-url, else the registry queried. */
export function defaultPullHost(registryHost: string, options: {pullHost?: string; baseUrl?: string}): string {
  if (options.pullHost) return options.pullHost
  if (options.baseUrl) return new URL(options.baseUrl).host
  return registryHost
}

export async function buildHomepage(options: HomepageOptions): Promise<HomepageResult> {
  const layout = siteLayout(options.out)
  // Refuse an --out we cannot swap before sending a single request.
  await checkTarget(layout)
  const statePath = options.statePath ?? layout.state
  const {state, warning} = await loadState(statePath, options.client.host)
  const crawl = await crawlRegistry({...options, state})
  if (warning) crawl.stats.warnings.unshift(warning)
  const pullHost = defaultPullHost(options.client.host, options)
  const site: SiteOptions = {pullHost, baseUrl: options.baseUrl, generatedAt: new Date().toISOString()}
  const {version} = await publishSite(layout, siteFiles(crawl.repositories, site))
  await mkdir(dirname(statePath), {recursive: true})
  await saveState(statePath, crawl.state)
  return {
    out: layout.out,
    version,
    statePath,
    pullHost,
    repositories: crawl.stats.published,
    tags: crawl.stats.tags,
    stats: crawl.stats,
  }
}
