import {strict as assert} from 'node:assert'

import {HtmlValidate} from 'html-validate'

import {siteFiles, defaultPullHost} from '../../../src/lib/homepage/build.js'
import type {SiteRepository} from '../../../src/lib/homepage/crawl.js'
import {formatDate, indexJson, renderIndex, renderRepository, repositoryPath} from '../../../src/lib/homepage/render.js'

const validator = new HtmlValidate({extends: ['html-validate:recommended']})

/** Valid HTML per html-validate's recommended rules (which include its WCAG checks). */
export async function assertValidHtml(markup: string, what: string): Promise<void> {
  const report = await validator.validateString(markup)
  const messages = report.results.flatMap((result) =>
    result.messages.map((message) => `${message.line}:${message.column} ${message.ruleId}: ${message.message}`),
  )
  assert.deepEqual(messages, [], `${what} is not valid HTML`)
}

const HOSTILE = '<script>alert("x")</script>'
const repositories: SiteRepository[] = [
  {
    name: 'team/app',
    tags: [
      {
        tag: 'latest',
        digest: `sha256:${'a'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        created: '2024-01-12T00:00:00.123456789Z',
        size: 2_500_000,
        platforms: [{platform: `linux/${HOSTILE}`, digest: `sha256:${'b'.repeat(64)}`, size: 1}],
      },
      {
        tag: 'old',
        digest: `sha256:${'c'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 512,
      },
      {tag: 'broken', digest: `sha256:${'d'.repeat(64)}`, mediaType: '', size: 0, error: 'malformed manifest'},
    ],
  },
  // Not a valid name, but the renderer must stay safe whatever it is given.
  {
    name: `evil/"'><img src=x onerror=alert(1)>`,
    tags: [{tag: `"><b>`, digest: `sha256:${'e'.repeat(64)}`, mediaType: 'x', created: 'garbage', size: 1}],
  },
  {
    name: 'toplevel',
    tags: [{tag: '1.0', digest: `sha256:${'f'.repeat(64)}`, mediaType: 'x', created: '2020-01-01T00:00:00Z', size: 1}],
  },
]
const options = {
  pullHost: 'docker-registry.example.org',
  generatedAt: '2026-01-01T12:00:00.000Z',
  baseUrl: 'https://docker-registry.example.org/home',
}

describe('homepage render', () => {
  it('writes valid HTML for the index and every repository page, hostile strings included', async () => {
    await assertValidHtml(renderIndex(repositories, options), 'the index')
    for (const repository of repositories) await assertValidHtml(renderRepository(repository, options), repository.name)
    await assertValidHtml(renderIndex([], options), 'an empty index')
  })

  it('escapes every registry-provided string: no markup of theirs reaches a page', () => {
    const pages = [
      renderIndex(repositories, options),
      ...repositories.map((repository) => renderRepository(repository, options)),
    ].join('\n')
    assert.ok(!pages.includes('<script>alert'), 'a script element from a platform string')
    assert.ok(!pages.includes('<img'), 'an element from a repository name')
    assert.ok(!pages.includes('"><b>'), 'an attribute break-out from a tag')
    assert.ok(pages.includes('linux/&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'))
  })

  it('loads nothing from elsewhere: only the site’s own assets, under a CSP that forbids the rest', () => {
    const page = renderRepository(repositories[0]!, options)
    const urls = [...page.matchAll(/(?:src|href)="([^"]*)"/g)].map((match) => match[1]!)
    assert.deepEqual(
      urls.filter((url) => /^[a-z]+:/i.test(url) || url.startsWith('//')),
      ['https://docker-registry.example.org/home/r/team~app.html'],
    )
    assert.match(page, /<link rel="canonical" href="https:\/\/docker-registry\.example\.org\/home\/r\/team~app\.html">/)
    assert.match(page, /Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;self&#39;/)
    assert.match(page, /<link rel="stylesheet" href="\.\.\/assets\/style\.css">/)
  })

  it('groups the index by namespace and shows each repository’s tag count, newest tag and date', () => {
    const page = renderIndex(repositories, options)
    const headings = [...page.matchAll(/<h2 id="group-\d+">([^<]*)</g)].map((match) => match[1]!.trim())
    assert.deepEqual(headings, ['Top level', 'evil/', 'team/'])
    assert.match(
      page,
      /<a href="r\/team~app\.html">team\/app<\/a><\/td>\n<td class="num" data-label="Tags">3<\/td>\n<td data-label="Newest tag"><code class="tag">latest<\/code><\/td>\n<td data-label="Created"><time datetime="2024-01-12T00:00:00\.123Z">2024-01-12 00:00 UTC<\/time>/,
    )
  })

  it('shows per tag the date, short digest, size, platforms and a copy button with the pull command', () => {
    const page = renderRepository(repositories[0]!, options)
    assert.match(page, /<code title="sha256:a{64}">a{12}<\/code>/)
    assert.match(page, /2\.50 MB/)
    assert.match(
      page,
      /<button type="button" class="copy" data-text="docker pull docker-registry\.example\.org\/team\/app:old"/,
    )
    assert.match(page, /<span class="muted">unknown<\/span>/)
    assert.match(page, /unreadable/)
  })

  it('maps repository names to one flat folder without collisions, and writes JSON beside the pages', () => {
    assert.equal(repositoryPath('a/index.html'), 'r/a~index.html.html')
    assert.equal(repositoryPath('a'), 'r/a.html')
    const files = siteFiles(repositories.slice(0, 1), options)
    assert.deepEqual(files.map((file) => file.path).sort(), [
      'assets/icon.svg',
      'assets/site.js',
      'assets/style.css',
      'index.html',
      'index.json',
      'r/team~app.html',
      'r/team~app.json',
    ])
    const data = JSON.parse(files.find((file) => file.path === 'r/team~app.json')!.content) as {
      tags: Array<{tag: string; pull: string}>
    }
    assert.deepEqual(
      data.tags.map((tag) => tag.pull),
      [
        'docker pull docker-registry.example.org/team/app:latest',
        'docker pull docker-registry.example.org/team/app:old',
        'docker pull docker-registry.example.org/team/app:broken',
      ],
    )
    const index = indexJson(repositories.slice(0, 1), {...options, baseUrl: undefined}) as {
      repositories: Array<{page: string; newest: {tag: string}}>
    }
    assert.deepEqual(index.repositories, [
      {
        name: 'team/app',
        tags: 3,
        newest: {tag: 'latest', created: '2024-01-12T00:00:00.123456789Z'},
        page: 'r/team~app.html',
        data: 'r/team~app.json',
      },
    ])
  })

  it('formats dates in UTC to the minute, and takes the pull host from --pull-host, --base-url, or the registry', () => {
    assert.equal(formatDate('2023-05-01T08:00:00.123456789Z'), '2023-05-01 08:00 UTC')
    assert.equal(formatDate(undefined), undefined)
    assert.equal(formatDate('not a date'), undefined)
    assert.equal(defaultPullHost('localhost:5000', {}), 'localhost:5000')
    assert.equal(
      defaultPullHost('localhost:5000', {baseUrl: 'https://docker-registry.example.org/'}),
      'docker-registry.example.org',
    )
    assert.equal(
      defaultPullHost('localhost:5000', {baseUrl: 'https://a.example/', pullHost: 'b.example:5000'}),
      'b.example:5000',
    )
  })
})
