/**
 * The pages: pure functions from the crawled data to HTML and JSON. Every registry-provided string
 * goes through the `html` tag (escaped); links are relative, so the site can be served from any
 * path; a Content-Security-Policy allows only the site's own script and stylesheet.
 */
import {createHash} from 'node:crypto'

import {createdTime} from '../registry/inventory.js'
import {formatBytes, shortDigest} from '../../cli/render/format.js'
import type {SiteRepository, SiteTag} from './crawl.js'
import {escapeHtml, html, joinHtml, type SafeHtml} from './html.js'

export interface SiteOptions {
  /** The registry name users pull with (`docker pull PULLHOST/name:tag`). */
  pullHost: string
  /** The public URL of the site, for canonical links and absolute URLs in the JSON. */
  baseUrl?: string
  /** When the data was gathered (ISO 8601). */
  generatedAt: string
}

/** File names longer than this are shortened: distribution allows 255-character names, file systems 255 bytes. */
const MAX_FILE_STEM = 200

/**
 * A repository's page, relative to the site root. Names never contain `~` nor `+`: one flat,
 * collision-free folder. A name too long for a file name keeps its start and gets `+` and a hash of
 * the whole name.
 */
export function repositoryPath(name: string, extension: 'html' | 'json' = 'html'): string {
  const stem = name.replaceAll('/', '~')
  const file =
    stem.length <= MAX_FILE_STEM
      ? stem
      : `${stem.slice(0, MAX_FILE_STEM - 17)}+${createHash('sha256').update(name).digest('hex').slice(0, 16)}`
  return `r/${file}.${extension}`
}

export function namespaceOf(name: string): string {
  const slash = name.indexOf('/')
  return slash === -1 ? '' : name.slice(0, slash)
}

export function pullCommand(pullHost: string, name: string, tag: string): string {
  return `docker pull ${pullHost}/${name}:${tag}`
}

/** `2021-07-28 17:53 UTC`, or undefined for an undated image. */
export function formatDate(created: string | undefined): string | undefined {
  const time = createdTime(created)
  if (!Number.isFinite(time)) return undefined
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

function dateCell(created: string | undefined): SafeHtml {
  const text = formatDate(created)
  return text
    ? html`<time datetime="${new Date(createdTime(created)).toISOString()}">${text}</time>`
    : html`<span class="muted">unknown</span>`
}

function absolute(options: SiteOptions, path: string): string | undefined {
  return options.baseUrl
    ? new URL(path, options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`).toString()
    : undefined
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"

/** Titles stay short (tabs, bookmarks, search results): the name first, shortened if it has to be. */
export function pageTitle(...parts: string[]): string {
  // Measured as written (html-validate counts entities as they stand), so odd names stay in bounds too.
  const fits = (text: string) => escapeHtml(text).length <= 70
  const full = parts.join(' · ')
  if (fits(full)) return full
  let first = parts[0]!
  while (!fits(first)) first = `${[...first].slice(0, -2).join('')}…`
  return first
}

function page(options: SiteOptions, parts: {title: string; root: string; path: string; body: SafeHtml}): string {
  const canonical = absolute(options, parts.path)
  return `<!DOCTYPE html>\n${html`<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${parts.title}</title>
${canonical ? html`<link rel="canonical" href="${canonical}">\n` : ''}<link rel="icon" href="${parts.root}assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${parts.root}assets/style.css">
<script src="${parts.root}assets/site.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${parts.body}
<footer><p>Generated <time datetime="${options.generatedAt}">${formatDate(options.generatedAt) ?? options.generatedAt}</time> by registryctl homepage.</p></footer>
</body>
</html>`}\n`
}

function newestTag(repository: SiteRepository): SiteTag {
  return repository.tags[0]!
}

function filterBox(label: string, noun: string, placeholder: string): SafeHtml {
  return html`<div class="filter">
<label for="filter">${label}</label>
<input id="filter" type="search" autocomplete="off" spellcheck="false" placeholder="${placeholder}" aria-describedby="filter-help">
<p id="filter-help">Type to filter; press <kbd>/</kbd> to come back here, <kbd>Esc</kbd> to clear.</p>
<p id="filter-status" data-noun="${noun}" role="status" aria-live="polite"></p>
</div>`
}

export function renderIndex(repositories: SiteRepository[], options: SiteOptions): string {
  const groups = new Map<string, SiteRepository[]>()
  for (const repository of [...repositories].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const namespace = namespaceOf(repository.name)
    groups.set(namespace, [...(groups.get(namespace) ?? []), repository])
  }

  const tagCount = repositories.reduce((sum, repository) => sum + repository.tags.length, 0)
  const sections = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([namespace, members], index) => {
      const heading = namespace ? `${namespace}/` : 'Top level'
      const rows = members.map((repository) => {
        const newest = newestTag(repository)
        return html`<tr data-filter="${repository.name.toLowerCase()}">
<td data-label="Repository"><a href="${repositoryPath(repository.name)}">${repository.name}</a></td>
<td class="num" data-label="Tags">${repository.tags.length}</td>
<td data-label="Newest tag"><code class="tag">${newest.tag}</code></td>
<td data-label="Created">${dateCell(newest.created)}</td>
</tr>`
      })
      return html`<section data-group="${namespace}" aria-labelledby="group-${index}">
<h2 id="group-${index}">${heading} <span class="muted">(${members.length})</span></h2>
<table>
<thead><tr><th scope="col">Repository</th><th scope="col" class="num">Tags</th><th scope="col">Newest tag</th><th scope="col">Created</th></tr></thead>
<tbody>
${joinHtml(rows, '\n')}
</tbody>
</table>
</section>`
    })
  const body = html`<header>
<h1>Container images on ${options.pullHost}</h1>
<p class="muted">${repositories.length} repositories, ${tagCount} tags. Pull with <code>docker pull ${options.pullHost}/NAME:TAG</code>.</p>
</header>
<main id="main">
${filterBox('Filter repositories', 'repositories', 'name, e.g. python')}
<p id="filter-empty" class="notice" hidden>No repository matches.</p>
${repositories.length === 0 ? html`<p class="notice">No repository is published.</p>` : joinHtml(sections, '\n')}
</main>`
  return page(options, {title: pageTitle(`Container images on ${options.pullHost}`), root: '', path: '', body})
}

export function renderRepository(repository: SiteRepository, options: SiteOptions): string {
  const newest = newestTag(repository)
  const rows = repository.tags.map((tag, index) => {
    const command = pullCommand(options.pullHost, repository.name, tag.tag)
    const platforms = tag.platforms?.length
      ? html`<ul class="platforms">${tag.platforms.map((platform) => html`<li><span title="${platform.digest}">${platform.platform}</span></li>`)}</ul>`
      : html`<span class="muted">${tag.error ? 'unreadable' : 'single image'}</span>`
    return html`<tr data-filter="${tag.tag.toLowerCase()}" id="tag-${index}">
<td data-label="Tag"><code class="tag">${tag.tag}</code></td>
<td data-label="Created">${dateCell(tag.created)}</td>
<td data-label="Digest"><code title="${tag.digest}">${shortDigest(tag.digest)}</code></td>
<td class="num" data-label="Size">${tag.error ? '' : formatBytes(tag.size)}</td>
<td data-label="Platforms">${platforms}</td>
<td data-label="Pull"><div class="pull"><code>${command}</code><button type="button" class="copy" data-text="${command}" aria-label="Copy the pull command of ${tag.tag}">Copy</button></div></td>
</tr>`
  })
  const newestCommand = pullCommand(options.pullHost, repository.name, newest.tag)
  const body = html`<header>
<nav aria-label="Breadcrumb"><a href="../index.html">All repositories</a> / ${repository.name}</nav>
<h1>${repository.name}</h1>
<p class="muted">${repository.tags.length} tags, newest first.</p>
<div class="pull"><code>${newestCommand}</code><button type="button" class="copy" data-text="${newestCommand}" aria-label="Copy the pull command of the newest tag, ${newest.tag}">Copy</button></div>
</header>
<main id="main">
${filterBox('Filter tags', 'tags', 'tag, e.g. 2024')}
<p id="filter-empty" class="notice" hidden>No tag matches.</p>
<p id="copy-status" class="skip" role="status" aria-live="polite"></p>
<table data-group="">
<thead><tr><th scope="col">Tag</th><th scope="col">Created</th><th scope="col">Digest</th><th scope="col" class="num">Size</th><th scope="col">Platforms</th><th scope="col">Pull command</th></tr></thead>
<tbody>
${joinHtml(rows, '\n')}
</tbody>
</table>
</main>`
  return page(options, {
    title: pageTitle(repository.name, options.pullHost),
    root: '../',
    path: repositoryPath(repository.name),
    body,
  })
}

/** The index's data: what the page shows, for scripts. */
export function indexJson(repositories: SiteRepository[], options: SiteOptions): unknown {
  return {
    pullHost: options.pullHost,
    generatedAt: options.generatedAt,
    repositories: repositories.map((repository) => {
      const newest = newestTag(repository)
      return {
        name: repository.name,
        tags: repository.tags.length,
        newest: {tag: newest.tag, created: newest.created ?? null},
        page: absolute(options, repositoryPath(repository.name)) ?? repositoryPath(repository.name),
        data: absolute(options, repositoryPath(repository.name, 'json')) ?? repositoryPath(repository.name, 'json'),
      }
    }),
  }
}

export function repositoryJson(repository: SiteRepository, options: SiteOptions): unknown {
  return {
    name: repository.name,
    pull: `${options.pullHost}/${repository.name}`,
    generatedAt: options.generatedAt,
    tags: repository.tags.map((tag) => ({...tag, pull: pullCommand(options.pullHost, repository.name, tag.tag)})),
  }
}
