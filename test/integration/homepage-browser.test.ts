/**
 * The homepage in a real browser: Debian's chromium driven by playwright-core (no browser download),
 * the built site served over HTTP on loopback, the data checked against the registry itself.
 * Screenshots go to test-output/homepage/ (git-ignored).
 */
import {strict as assert} from 'node:assert'
import {existsSync} from 'node:fs'
import {mkdir, readdir, readFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:http'
import {extname, join, normalize} from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Browser, chromium, type Page} from 'playwright-core'

import {shortDigest} from '../../src/cli/render/format.js'
import {Inventory, NAKED_TAG} from '../../src/lib/registry/inventory.js'
import {newestFirst} from '../../src/lib/homepage/crawl.js'
import {seedSamples} from '../../src/sandbox/seed.js'
import {runCli} from '../helpers/cli.js'
import {localSession, useRegistry} from '../helpers/registry.js'
import {useTempDir} from '../helpers/tmp.js'
import {assertValidHtml} from '../lib/homepage/render.test.js'

const SCREENSHOTS = fileURLToPath(new URL('../../test-output/homepage/', import.meta.url))
const CHROMIUM =
  process.env.CHROMIUM_PATH ??
  ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path)) ??
  '/usr/bin/chromium'
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
}

/** A static file server on loopback, as a web server would serve --out. */
async function serve(root: string): Promise<{server: Server; url: string}> {
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname))
    const file = join(root, path.endsWith('/') ? `${path}index.html` : path)
    try {
      const body = await readFile(file)
      response.writeHead(200, {'content-type': TYPES[extname(file)] ?? 'application/octet-stream'})
      response.end(body)
    } catch {
      response.writeHead(404)
      response.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return {server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`}
}

const visibleRows = (page: Page) => page.locator('tbody tr:visible')

describe('homepage in chromium @integration', function () {
  this.timeout(120_000)
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const tmp = useTempDir('homepage-browser')
  let browser: Browser
  let site: {server: Server; url: string}
  let page: Page
  const problems: string[] = []
  const foreign: string[] = []

  before(async () => {
    const out = join(tmp(), 'site')
    const built = await runCli(['homepage', registry().host, '--out', out])
    assert.equal(built.code, 0, built.stderr)
    site = await serve(out)
    await mkdir(SCREENSHOTS, {recursive: true})
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
    })
    const context = await browser.newContext({viewport: {width: 1100, height: 760}})
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {origin: site.url.slice(0, -1)})
    page = await context.newPage()
    page.on('console', (message) => problems.push(`console ${message.type()}: ${message.text()}`))
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('request', (request) => {
      if (!request.url().startsWith(site.url)) foreign.push(request.url())
    })
  })
  after(async () => {
    await browser?.close()
    site?.server.close()
  })

  it('built only valid HTML pages', async () => {
    const out = join(tmp(), 'site')
    const pages = [
      'index.html',
      ...(await readdir(join(out, 'r'))).filter((name) => name.endsWith('.html')).map((name) => `r/${name}`),
    ]
    assert.equal(pages.length, 5)
    for (const name of pages) await assertValidHtml(await readFile(join(out, name), 'utf8'), name)
  })

  it('filters the index as you type, clears with Escape, opens the only match with Enter', async () => {
    await page.goto(site.url)
    assert.deepEqual(await page.locator('tbody tr a').allTextContents(), [
      'base/multiarch',
      'restricted/secret-app',
      'team/app',
      'team/oci-tool',
    ])
    assert.deepEqual(await page.locator('h2').allTextContents(), ['base/ (1)', 'restricted/ (1)', 'team/ (2)'])
    await page.screenshot({path: join(SCREENSHOTS, 'index.png')})
    // Keyboard only: "/" focuses the filter.
    await page.keyboard.press('/')
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter')
    await page.keyboard.type('team')
    assert.deepEqual(await visibleRows(page).locator('a').allTextContents(), ['team/app', 'team/oci-tool'])
    assert.equal(await page.locator('#filter-status').textContent(), '2 of 4 repositories match')
    assert.equal(await page.locator('section[data-group="base"]').isVisible(), false)
    await page.keyboard.type(' oci')
    assert.deepEqual(await visibleRows(page).locator('a').allTextContents(), ['team/oci-tool'])
    await page.screenshot({path: join(SCREENSHOTS, 'index-filtered.png')})
    await page.keyboard.press('Escape')
    assert.equal(await visibleRows(page).count(), 4)
    await page.keyboard.type('nothing-like-this')
    assert.equal(await visibleRows(page).count(), 0)
    assert.equal(await page.locator('#filter-empty').isVisible(), true)
    await page.keyboard.press('Escape')
    await page.keyboard.type('multi')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/r\/base~multiarch\.html$/)
  })

  it('shows each tag as the registry has it: newest first, digest, platforms, and the pull command', async () => {
    const client = localSession().client({host: registry().host})
    const inventory = new Inventory(client)
    for (const name of ['base/multiarch', 'team/app']) {
      await page.goto(`${site.url}r/${name.replace('/', '~')}.html`)
      const tags = (await client.tags(name)).filter((tag) => !NAKED_TAG.test(tag))
      const expected = newestFirst(
        await Promise.all(
          tags.map(async (tag) => {
            const summary = await inventory.summarize(name, tag)
            return {
              tag,
              digest: summary.digest,
              mediaType: summary.mediaType,
              created: summary.created,
              size: summary.totalSize,
              platforms: summary.platforms,
            }
          }),
        ),
      )
      const rows = page.locator('tbody tr')
      assert.deepEqual(
        await rows.locator('td[data-label="Tag"]').allTextContents(),
        expected.map((entry) => entry.tag),
      )
      assert.deepEqual(
        await rows.locator('td[data-label="Digest"]').allTextContents(),
        expected.map((entry) => shortDigest(entry.digest)),
      )
      assert.deepEqual(
        await rows.locator('td[data-label="Pull"] code').allTextContents(),
        expected.map((entry) => `docker pull ${registry().host}/${name}:${entry.tag}`),
      )
      const platforms = await rows
        .locator('td[data-label="Platforms"]')
        .evaluateAll((cells) => cells.map((cell) => [...cell.querySelectorAll('li')].map((li) => li.textContent)))
      assert.deepEqual(
        platforms,
        expected.map((entry) => entry.platforms?.map((p) => p.platform) ?? []),
      )
      await page.screenshot({path: join(SCREENSHOTS, `${name.replace('/', '~')}.png`), fullPage: true})
    }
  })

  it('copies a pull command with its button, from the keyboard', async () => {
    await page.goto(`${site.url}r/team~oci-tool.html`)
    await page.locator('#filter').fill('1.0.0')
    assert.deepEqual(await visibleRows(page).locator('td[data-label="Tag"]').allTextContents(), ['1.0.0'])
    await visibleRows(page).locator('button.copy').focus()
    await page.keyboard.press('Enter')
    await page.locator('button.copy.copied').waitFor()
    assert.equal(
      await page.evaluate(() => navigator.clipboard.readText()),
      `docker pull ${registry().host}/team/oci-tool:1.0.0`,
    )
    assert.equal(
      await page.locator('#copy-status').textContent(),
      `Copied docker pull ${registry().host}/team/oci-tool:1.0.0`,
    )
  })

  it('follows the reader’s dark mode and fits a phone screen', async () => {
    await page.emulateMedia({colorScheme: 'dark'})
    await page.setViewportSize({width: 390, height: 844})
    await page.goto(`${site.url}r/base~multiarch.html`)
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    assert.equal(background, 'rgb(13, 17, 23)')
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`)
    await page.screenshot({path: join(SCREENSHOTS, 'repository-phone-dark.png'), fullPage: true})
    await page.goto(site.url)
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)) <= 0)
    await page.screenshot({path: join(SCREENSHOTS, 'index-phone-dark.png'), fullPage: true})
  })

  it('shows every list without JavaScript, and no filter or copy button that could not work', async () => {
    const context = await browser.newContext({javaScriptEnabled: false})
    const plain = await context.newPage()
    await plain.goto(site.url)
    assert.equal(await plain.locator('tbody tr:visible').count(), 4)
    assert.equal(await plain.locator('#filter').isVisible(), false)
    await plain.goto(`${site.url}r/team~app.html`)
    assert.equal(await plain.locator('tbody tr:visible').count(), 5)
    assert.equal(await plain.locator('button.copy:visible').count(), 0)
    await context.close()
    assert.equal(await page.locator('#filter').isVisible(), true)
  })

  it('loaded nothing from outside the site and logged no error', () => {
    assert.deepEqual(foreign, [])
    assert.deepEqual(problems, [])
  })
})
