import {writeFile} from 'node:fs/promises'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {CliCommand} from '../cli/base-command.js'
import {Session} from '../lib/registry/client.js'
import {ExitCode, UsageError} from '../lib/errors.js'
import {compareNodes, type DriftReport} from '../lib/smoke/drift.js'
import {expandHosts, splitHost} from '../lib/smoke/hosts.js'
import {runRegistrySuite} from '../lib/smoke/registry-suite.js'
import {type HostResult, SmokeRunner, smokeExitCode} from '../lib/smoke/runner.js'
import {readSuite} from '../lib/smoke/suite.js'
import {registryKeyOf} from '../lib/registry/connection.js'
import {parseImageReference, parseRegistry} from '../lib/registry/reference.js'
import {formatDrift, formatJunit, formatSmoke, smokeTotals} from '../cli/render/smoke.js'

export default class Smoke extends CliCommand {
  static override summary =
    'Smoke-test registry nodes: httpbb YAML suites, a built-in registry suite, or a drift check across nodes.'
  static override description = `Runs httpbb suites as they are: each request goes to every host of --hosts, with the suite's NAME as Host header and TLS server name. Exit 0 when everything passes, 1 when an assertion failed (or the nodes differ), 3 when a host could not be reached (4 when TLS was why), 2 for bad input.

--registry-suite checks what every registry node must answer, without YAML. --drift compares the catalog and the digest of every tag across the hosts.`

  static override examples = [
    '<%= config.bin %> smoke tests/registry.yaml --hosts "registry[2001-2002,2004].codfw.example"',
    '<%= config.bin %> smoke --registry-suite --server-name docker-registry.example.org --hosts registry2001.codfw.example --image team/app:stable',
    '<%= config.bin %> smoke --drift --server-name docker-registry.example.org --hosts registry2001.codfw.example,registry1001.eqiad.example',
  ]

  // Its checks are not retried (--retry-on-timeout is its own); --drift reads with credentials.
  static override baseFlags = CliCommand.probeFlags

  static override strict = false
  // Documents the files in the help; with strict off every file arrives in argv.
  static override args = {
    file: Args.string({description: 'httpbb YAML suites, one or more (none with --registry-suite or --drift).'}),
  }

  static override flags = {
    hosts: Flags.string({
      required: true,
      description: 'Hosts to test, comma-separated, with bracket sets: host[1-3,5].example',
    }),
    'https-port': Flags.integer({aliases: ['https_port'], default: 443, description: 'Port for https:// suites.'}),
    'http-port': Flags.integer({aliases: ['http_port'], default: 80, description: 'Port for http:// suites.'}),
    'retry-on-timeout': Flags.boolean({
      aliases: ['retry_on_timeout'],
      description: 'Try a request once more after a timeout.',
    }),
    junit: Flags.string({description: 'Also write the results as JUnit XML to this file.'}),
    'registry-suite': Flags.boolean({
      exclusive: ['drift'],
      description: 'Run the built-in registry checks instead of YAML suites.',
    }),
    drift: Flags.boolean({
      exclusive: ['registry-suite'],
      description: 'Compare catalog and tag digests across the hosts.',
    }),
    'server-name': Flags.string({
      description:
        'Service name (Host header, TLS server name) for --registry-suite and --drift; default: each host itself.',
    }),
    scheme: Flags.string({
      options: ['https', 'http'],
      default: 'https',
      description: 'Scheme for --registry-suite and --drift with --server-name.',
    }),
    open: Flags.boolean({
      exclusive: ['read-only'],
      description: '--registry-suite: anonymous writes are expected to be accepted.',
    }),
    'read-only': Flags.boolean({
      exclusive: ['open'],
      description:
        '--registry-suite: the registry is in read-only maintenance; writes must be refused (403, 405 or 503).',
    }),
    image: Flags.string({description: '--registry-suite: NAME:TAG whose config blob must download intact.'}),
    select: Flags.string({description: '--drift: only repositories matching this glob.'}),
  }

  async run(): Promise<{
    results?: HostResult[]
    totals?: ReturnType<typeof smokeTotals>
    drift?: DriftReport
    exitCode: number
  }> {
    const {argv, flags} = await this.parse(Smoke)
    const files = argv as string[]
    const hosts = expandHosts(flags.hosts)
    const common = {
      // Each registry's own settings (CA files, certs.d, timeout) and the proxy, as for every command.
      connection: (registry: string) => this.connectionOptions(flags, registry),
      retryOnTimeout: flags['retry-on-timeout'],
      concurrency: flags.concurrency,
      httpsPort: flags['https-port'],
      httpPort: flags['http-port'],
    }
    const scheme = flags.scheme as 'http' | 'https'
    if (flags.drift) {
      this.warnAboutGlobs(flags.select)
      // One session per node (each connects elsewhere), all with the same flags and credentials, and
      // the registry's own settings.
      const nodes = await Promise.all(
        hosts.map(async (host) => {
          const {hostname, port = scheme === 'https' ? flags['https-port'] : flags['http-port']} = splitHost(host)
          const address = flags['server-name'] ? {host: `${flags['server-name']}:${port}`, scheme} : parseRegistry(host)
          const registry = flags['server-name'] ? registryKeyOf(`${scheme}://${address.host}`) : address.host
          const session = new Session({
            ...(await this.sessionOptions(flags, registry)),
            ...(flags['server-name'] ? {connectTo: hostname, node: host} : {}),
          })
          return {node: host, client: session.client(address)}
        }),
      )
      const drift = await compareNodes(nodes, {select: flags.select, concurrency: flags.concurrency})
      if (!this.jsonEnabled()) this.log(formatDrift(drift).join('\n'))
      const exitCode = drift.differences.length > 0 ? ExitCode.CHECK_FAILED : ExitCode.OK
      process.exitCode = exitCode
      return {drift, exitCode}
    }

    let results: HostResult[]
    if (flags['registry-suite']) {
      if (files.length > 0) throw new UsageError('--registry-suite takes no YAML files')
      const image = flags.image
        ? parseImageReference(`registry.invalid/${flags.image}`, {require: 'tag-or-digest'})
        : undefined
      results = await runRegistrySuite(hosts, {
        ...common,
        name: flags['server-name'],
        scheme,
        open: flags.open,
        readOnly: flags['read-only'],
        image,
      })
    } else {
      if (files.length === 0)
        throw new UsageError('give one or more httpbb YAML files, or --registry-suite, or --drift')
      const cases = (await Promise.all(files.map((file) => readSuite(file)))).flat()
      results = await new SmokeRunner(common).run(cases, hosts)
    }

    if (flags.junit) await writeFile(flags.junit, formatJunit(results))
    if (!this.jsonEnabled()) this.log(formatSmoke(results).join('\n'))
    const exitCode = smokeExitCode(results)
    process.exitCode = exitCode
    return {totals: smokeTotals(results), exitCode, results}
  }
}
