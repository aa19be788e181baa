import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {reportUnreadable} from '../cli/partial-access.js'
import {RegistryCommand} from '../cli/base-command.js'
import {isSilent, note} from '../cli/quiet.js'
import {Session} from '../lib/registry/client.js'
import {UsageError} from '../lib/errors.js'
import {buildHomepage, type HomepageResult} from '../lib/homepage/build.js'
import type {CrawlProgress} from '../lib/homepage/crawl.js'
import {RequestCounter, type RequestCounts} from '../lib/homepage/requests.js'
import {parseRegistry} from '../lib/registry/reference.js'
import {formatHomepageSummary, formatProgress, plainProgress} from '../cli/render/homepage.js'

export default class Homepage extends RegistryCommand {
  static override summary = 'Build a static homepage of the registry: every repository, its tags and pull commands.'
  static override description = `Writes a static site (HTML, CSS, a little JavaScript, the data as JSON) that any web server can serve: an index of repositories grouped by namespace and filterable as you type, and a page per repository with its tags newest first, created date, digest, size, platforms and pull command.

What anonymous users cannot read (401/403 on a repository's tags) is hidden unless --include-restricted (hidden by design: exit 0; with --include-restricted, a repository the credentials cannot read either is named with its realm and the build exits 15); --hide hides more. Rebuilds are incremental (one tag list per repository and one HEAD per tag; manifests and configs only for new digests) and atomic: DIR is a symlink swapped to a new version folder, so a failed build leaves the previous site in place and exits non-zero.`

  static override examples = [
    '<%= config.bin %> homepage localhost:5000 --out /srv/homepage --pull-host docker-registry.example.org',
    "<%= config.bin %> homepage registry.example.org --out /srv/homepage --hide 'restricted/*' --base-url https://registry.example.org/",
  ]

  static override args = {
    registry: Args.string({required: true, description: 'Registry host[:port], optionally with http:// or https://.'}),
  }

  static override flags = {
    out: Flags.string({
      required: true,
      helpValue: 'DIR',
      description: 'Where the site is published: a symlink to the live version folder (created if absent).',
    }),
    hide: Flags.string({
      multiple: true,
      helpValue: 'GLOB',
      description: 'Do not publish repositories matching this glob (fnmatch: * also matches /); repeatable.',
    }),
    'include-restricted': Flags.boolean({
      description: 'Also publish repositories that anonymous users cannot read (read with the given credentials).',
    }),
    'all-tags': Flags.boolean({description: 'Also publish 40-hex (git sha1) tags.'}),
    'pull-host': Flags.string({
      helpValue: 'NAME',
      description: 'Registry name in pull commands (default: the host of --base-url, else REGISTRY).',
    }),
    'base-url': Flags.string({
      helpValue: 'URL',
      description: 'Public URL of the site, for canonical links and absolute URLs in the JSON.',
    }),
    state: Flags.string({
      helpValue: 'FILE',
      description: 'Incremental state file (default: state.json in the versions folder beside DIR, .DIR.versions/).',
    }),
  }

  async run(): Promise<HomepageResult & {requests: RequestCounts}> {
    const {args, flags} = await this.parse(Homepage)
    const address = parseRegistry(args.registry)
    if (flags['base-url'] && !/^https?:\/\/[^/]/.test(flags['base-url']))
      throw new UsageError(`--base-url must be an http(s) URL, not ${flags['base-url']}`)
    const counter = new RequestCounter()
    const options = await this.sessionOptions(flags, address.host)
    const debug = counter.sink(options.debug)
    const session = new Session({...options, debug})
    // What the public can read: no credentials of any kind.
    const anonymous = new Session({...options, debug, explicit: undefined, ignoreDockerConfig: true})
    const result = await buildHomepage({
      client: session.client(address),
      anonymous: anonymous.client(address),
      out: flags.out,
      statePath: flags.state,
      hide: flags.hide,
      includeRestricted: flags['include-restricted'],
      allTags: flags['all-tags'],
      pullHost: flags['pull-host'],
      baseUrl: flags['base-url'],
      onProgress: this.jsonEnabled() || isSilent() ? undefined : this.progress(),
    }).finally(() => this.endProgress())
    if (!this.jsonEnabled()) {
      for (const warning of result.stats.warnings) note(`registryctl: warning: ${warning}`)
      this.log(formatHomepageSummary(result, counter.counts).join('\n'))
    }

    // Hidden because anonymous users cannot read it is the design; with --include-restricted, a
    // repository the credentials cannot read either is missing from the site: partial, exit 15.
    reportUnreadable(result.stats.unreadable, 'published', {json: this.jsonEnabled()})
    return {...result, requests: counter.counts}
  }

  private progressShown = false

  /** One updating line on a terminal (at most every 100 ms), plain lines on stderr otherwise (none with -s). */
  private progress(): (progress: CrawlProgress) => void {
    if (!process.stderr.isTTY) return plainProgress((line) => process.stderr.write(`${line}\n`))
    let last = 0
    return (progress) => {
      const now = Date.now()
      const final = progress.phase === 'repositories' && progress.done === progress.total
      if (!final && now - last < 100) return
      last = now
      this.progressShown = true
      process.stderr.write(`\r\u001B[K${formatProgress(progress).slice(0, (process.stderr.columns || 80) - 1)}`)
    }
  }

  private endProgress(): void {
    if (this.progressShown) process.stderr.write('\r\u001B[K')
  }
}
