import {setFlagsFromString} from 'node:v8'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../../cli/base-command.js'
import {reportUnreadable} from '../../cli/partial-access.js'
import {isSilent} from '../../cli/quiet.js'
import {UsageError} from '../../lib/errors.js'
import type {ApiState} from '../../lib/gc/api.js'
import {FilesystemReader} from '../../lib/stores/filesystem.js'
import type {StorageReader} from '../../lib/stores/storage.js'
import {analyzeStore, type StoreReport} from '../../lib/gc/store.js'
import {parseDuration} from '../../lib/duration.js'
import {parseRegistry} from '../../lib/registry/reference.js'
import {formatApiState, formatStoreProgress, formatStoreReport} from '../../cli/render/gc.js'
import {writeJsonInPieces} from '../../cli/render/json.js'
import {recordDir, recordDirFlag} from '../../cli/recording.js'

export default class GcStatus extends RegistryCommand {
  static override summary =
    'Garbage-collection state: from the API (deletes, read-only, empty repositories) and from the store.'
  static override description = `With REGISTRY: probes the API without lasting side effects. With --storage or --config: reads distribution's store (filesystem, Swift or S3) read-only (safe while the registry runs) and computes what "registry garbage-collect --dry-run" would mark and sweep, with and without --delete-untagged, the bytes that frees, per repository, and the tagged indexes --delete-untagged would break.

A catalog that answers while some repositories refuse the credentials (401/403) is not "unreachable": those are named with their realm and the exit code is 15.`

  static override examples = [
    '<%= config.bin %> gc status registry.example.org',
    '<%= config.bin %> gc status --config /etc/docker/registry/config.yml',
    '<%= config.bin %> gc status --storage /var/lib/registry --json',
  ]

  static override args = {
    registry: Args.string({description: 'Registry host[:port] for the API view.'}),
  }

  static override flags = {
    storage: Flags.string({description: "The filesystem driver's rootdirectory.", exclusive: ['config']}),
    config: Flags.string({
      description:
        "The registry's config.yml: its filesystem, swift or s3 storage is read (REGISTRY_STORAGE_* variables override it, as for the registry).",
      exclusive: ['storage'],
    }),
    'write-probe': Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Open and cancel a blob upload to tell read-only mode (--no-write-probe skips it).',
    }),
    'uploads-older-than': Flags.string({default: '24h', description: 'Report upload folders older than this.'}),
    top: Flags.integer({default: 10, min: 0, description: 'Repositories to show by reclaimable bytes.'}),
    ...recordDirFlag,
  }

  /** Whether run() wrote the JSON itself (then oclif's logJson writes nothing). */
  private jsonWritten = false

  override logJson(json: unknown): void {
    if (!this.jsonWritten) super.logJson(json)
  }

  /**
   * The store report of a large registry is megabytes of JSON: oclif's colorizer tokenizes it with
   * regular expressions (seconds and tens of MB), and one string of it, then its bytes, would double
   * the command's memory. Piped output has no colours anyway: it is written in pieces.
   */
  private async writeJson(result: unknown): Promise<void> {
    this.jsonWritten = true
    await writeJsonInPieces(process.stdout, this.toSuccessJson(result))
  }

  async run(): Promise<{api?: ApiState; store?: StoreReport}> {
    const {args, flags} = await this.parse(GcStatus)
    if (!args.registry && !flags.storage && !flags.config)
      throw new UsageError('give a REGISTRY for the API view, or --storage DIR / --config FILE for the store view')
    const uploadsOlderThanMs = parseDuration(flags['uploads-older-than'])
    const result: {api?: ApiState; store?: StoreReport} = {}
    const output: string[] = []
    // What only the API view or a registry config needs is loaded only for them (YAML is a tenth of
    // the command's start-up): `--storage DIR` starts with less.
    let unanswered: ReturnType<typeof import('../../lib/gc/api.js').unansweredProbe>
    if (args.registry) {
      const {probeApiState, unansweredProbe} = await import('../../lib/gc/api.js')
      const address = parseRegistry(args.registry)
      const session = await this.buildSession(flags, address.host)
      result.api = await probeApiState(session.client(address), {writeProbe: flags['write-probe']})
      // What `registryctl restore` could still undo from this host's records, before a collection.
      const [{readRecords}, {countRestorable}] = await Promise.all([
        import('../../lib/deletion/recovery.js'),
        import('../../lib/restore/restore.js'),
      ])
      // No place for records (an account without a home, and none configured): nothing to count.
      const dir = (() => {
        try {
          return recordDir(flags, this.effectiveSettings(address.host))
        } catch {
          return undefined
        }
      })()
      const runs = dir ? readRecords(dir) : []
      if (runs.length > 0) result.api.restorable = await countRestorable(session.client(address), runs)
      output.push(...formatApiState(result.api))
      unanswered = unansweredProbe(result.api)
    }

    if (flags.storage || flags.config) {
      let store: StorageReader
      if (flags.storage) store = new FilesystemReader(flags.storage)
      else {
        const [{openStore}, {storeFromConfig}] = await Promise.all([
          import('../../lib/stores/open.js'),
          import('../../lib/stores/config.js'),
        ])
        // The object store is reached like any registry: CA files, timeouts and proxies alike.
        store = await openStore(await storeFromConfig(flags.config!), this.connectionOptions(flags))
      }

      // A small young generation: the walk makes much short-lived garbage, and V8 doubles its
      // semi-spaces (up to 16 MB each) while it does. --max-semi-space-size is read only when the heap
      // is set up, so at run time the growth factor is what holds the young generation at its current
      // size; --optimize-for-size then keeps the old generation from growing on what gets promoted
      // (either alone: no gain or worse). Peak RSS on 20,000 Swift objects 98 -> 81 MB, S3 99 -> 86 MB;
      // on the filesystem (100,000 blobs) 124 -> 90 MB for ~15 % more CPU, since the walk no longer
      // makes a promise per blob up front (it was 25 % then).
      setFlagsFromString('--semi-space-growth-factor=1')
      setFlagsFromString('--optimize-for-size')
      // On the filesystem, no optimizing compiler (TurboFan) either: compiling the walk's hot functions
      // takes ~10 MB (its code paged in, its zones, the code made) of the ~27 MB the walk of 100,000
      // blobs adds to start-up, for ~20 % less CPU; the walk spends most of its time in system calls,
      // and its per-digest work is native (DigestTable). Baseline code (Sparkplug) is kept.
      // V8 10 (Node 18, Debian 12's nodejs) has no --max-opt and prints an error line for it: there
      // --no-opt turns TurboFan off (it has no Maglev to keep off).
      if (store.driver === 'filesystem')
        setFlagsFromString(Number(process.versions.v8.split('.')[0]) >= 11 ? '--max-opt=1' : '--no-opt')
      const progress = process.stderr.isTTY && !this.jsonEnabled() && !isSilent()
      // At most ten updates a second: the walk reports every repository, and a terminal is slow.
      let shownAt = 0
      result.store = await analyzeStore(store, {
        uploadsOlderThanMs,
        onProgress: progress
          ? (state) => {
              const now = Date.now()
              if (now - shownAt < 100) return
              shownAt = now
              process.stderr.write(`\r${formatStoreProgress(state)}   `)
            }
          : undefined,
      })
      if (progress) process.stderr.write('\r\u001B[K')
      if (output.length > 0) output.push('')
      output.push(...formatStoreReport(result.store, {top: flags.top}))
    }

    if (!this.jsonEnabled()) this.log(output.join('\n'))
    else if (!process.stdout.isTTY) await this.writeJson(result)
    // A probe that could not answer: the state is unknown, not healthy (exit code of what stopped it).
    if (unanswered) {
      process.stderr.write(
        `registryctl: the ${unanswered.probe} probe could not answer, so the registry's state is unknown: ${unanswered.reason}\n`,
      )
      process.exitCode = unanswered.exitCode
    }

    // The catalog answered but some repositories refused these credentials: partial, exit 15.
    reportUnreadable(result.api?.catalog.unreadable ?? [], 'checked', {json: this.jsonEnabled()})

    return result
  }
}
