import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {RegistryCommand} from '../cli/base-command.js'
import {DryRunRefusedError} from '../cli/destructive-flow.js'
import {endStoppedRun, isStdoutFailure, trapInterruption} from '../cli/interruption.js'
import {outputSettled} from '../cli/output.js'
import {recordDir, recordDirFlag} from '../cli/recording.js'
import {formatRestoreNotes, formatRestorePlan, formatRestoreResult} from '../cli/render/restore.js'
import {formatOutcome} from '../cli/render/deletion.js'
import {Journal} from '../lib/deletion/journal.js'
import {readRecords} from '../lib/deletion/recovery.js'
import {ExitCode, isRegistryCtlError, RegistryCtlError} from '../lib/errors.js'
import {parseGlobReference} from '../lib/registry/reference.js'
import {
  executeRestore,
  planRestore,
  type RestorePlanEntry,
  type RestoreResult,
  selectCandidates,
} from '../lib/restore/restore.js'

export default class Restore extends RegistryCommand {
  static override summary =
    'Put back deleted tags, byte for byte, from the recovery record, until garbage collection runs.'
  static override description = `Every deletion records each image (its exact manifest bytes, an index's children, its tags) before deleting it. Until the registry's garbage collector runs, the image's layers are still in the store, so the recorded manifests PUT back give the same digests. Without a GLOB, every tag of the last run that deleted in the repository; with one, the most recently deleted tags that match; --run picks an older run (see --list).

Each tag: [RESTORED]; [LOST] when the collector has removed a blob it needs; [EXISTS] when it was pushed again since and points elsewhere (--force moves it back); [FAIL]. Exit code 0 only when every tag was restored. Needs push credentials.`

  static override examples = [
    '<%= config.bin %> restore registry.example.org/team/app --list',
    `<%= config.bin %> restore 'registry.example.org/team/app:stable'`,
    '<%= config.bin %> restore registry.example.org/team/app --run 20261207T031500Z-4242 --dry-run',
  ]

  static override args = {
    image: Args.string({required: true, description: 'host[:port]/name[:GLOB]'}),
  }

  static override flags = {
    run: Flags.string({
      description: 'Restore from this run of the record (its id, as --list shows) instead of the latest.',
    }),
    list: Flags.boolean({
      description: 'List what can be restored, from which run, and whether its blobs are still there.',
    }),
    'dry-run': Flags.boolean({description: 'Show what a restore would do, and run its checks; write nothing.'}),
    force: Flags.boolean({description: 'Move a tag that was pushed again meanwhile back onto the recorded image.'}),
    journal: Flags.string({
      description:
        'Append each outcome to this file as it happens (JSON lines, as delete-tags --journal), so an interrupted or killed run leaves a record.',
    }),
    ...recordDirFlag,
  }

  async run(): Promise<{plan: RestorePlanEntry[]; result?: RestoreResult; dryRun?: boolean}> {
    const {args, flags} = await this.parse(Restore)
    const reference = parseGlobReference(args.image)
    const json = this.jsonEnabled()
    const dir = recordDir(flags, this.effectiveSettings(reference.host))
    const runs = readRecords(dir)
    const selection = {registry: reference.host, name: reference.name, pattern: reference.pattern ?? undefined}
    const candidates = selectCandidates(runs, {...selection, runId: flags.run, every: flags.list})
    const what = `${reference.host}/${reference.name}${reference.pattern ? `:${reference.pattern}` : ''}`
    if (candidates.length === 0)
      throw new RegistryCtlError(
        `nothing recorded to restore for ${what}${flags.run ? ` in run ${flags.run}` : ''} (records in ${dir})`,
        ExitCode.NOT_FOUND,
        {hint: flags.list ? undefined : 'see what was recorded with --list'},
      )

    const session = await this.buildSession(flags, reference.host)
    const client = session.client(reference)
    if (flags.list) {
      const plan = await planRestore(client, candidates, {force: flags.force})
      if (!json)
        this.log(
          formatRestorePlan(reference.host, reference.name, plan, {
            title: `Recorded deletions of ${what} (newest run first):`,
          }).join('\n'),
        )
      return {plan, dryRun: true}
    }

    // The same preflight as deletion's tag moves: push rights and a writable registry, before anything.
    try {
      await client.probePush(reference.name)
    } catch (error) {
      if (!flags['dry-run'] || !isRegistryCtlError(error)) throw error
      throw new DryRunRefusedError(`dry run: a real run would be refused: ${error.message}`, error.exitCode, {
        cause: error,
        hint: error.hint,
      })
    }

    const plan = await planRestore(client, candidates, {force: flags.force})
    if (flags['dry-run']) {
      if (!json) this.log(formatRestorePlan(reference.host, reference.name, plan).join('\n'))
      return {plan, dryRun: true}
    }

    const interruption = trapInterruption({
      onFirst: (signal) =>
        process.stderr.write(
          `registryctl: ${signal}: starting no more restores, letting those in flight finish (${signal} again exits at once)\n`,
        ),
    })
    // Each line as it is known, so even kill -9 leaves an accurate log. A journal that cannot be
    // written stops the run, as for deletions: later outcomes would go unrecorded.
    const reported: string[] = []
    let result: RestoreResult
    let journal: Journal | undefined
    try {
      journal = flags.journal
        ? Journal.open(flags.journal, {onError: (error) => interruption.fail(`journal ${flags.journal}`, error)})
        : undefined
      journal?.start({
        registry: reference.host,
        name: reference.name,
        pattern: `restore ${reference.pattern ?? '(last run)'}${flags.run ? ` --run ${flags.run}` : ''}`,
        createdAt: new Date().toISOString(),
      })
      result = await executeRestore(client, plan, {
        signal: interruption.signal,
        onOutcome: (outcome) => {
          journal?.outcome({registry: reference.host, name: reference.name}, outcome)
          if (json) return
          const line = formatOutcome(reference.host, reference.name, outcome)
          reported.push(line)
          this.log(line)
        },
      })
      journal?.end(result)
      await outputSettled()
    } finally {
      interruption.dispose()
      journal?.close()
    }

    const {failure} = interruption
    if (failure) {
      if (isStdoutFailure(failure)) process.stderr.write(`${formatRestoreResult(result).join('\n')}\n`)
      endStoppedRun(failure, `${result.counts.RESTORED} tag(s) restored`, {json, outcomes: "every tag's outcome"})
      return {plan, result}
    }

    if (!json && !flags.silent) process.stderr.write(`${formatRestoreNotes(result).join('\n')}\n`)
    if (result.interrupted)
      process.stderr.write(
        `registryctl: interrupted: ${result.counts.RESTORED} tag(s) restored, ${result.counts.SKIPPED} not attempted ([SKIPPED]); run the same command again to continue\n`,
      )
    process.exitCode = result.exitCode
    return {plan, result}
  }
}
