/**
 * The recovery record's flags and where it goes, in one place for every command that deletes
 * (delete-tags, delete-manifest, cleanup) and for those that read records (restore, gc status):
 * --record-dir, else the `record-dir` setting, else $XDG_STATE_HOME/registryctl (~/.local/state/…);
 * records older than the `record-keep` setting (default 30d) are pruned. --no-record opts out, said
 * on stderr: that deletion cannot be undone.
 */
import {accessSync, constants, mkdirSync} from 'node:fs'

import * as Flags from '@oclif/core/flags'

import {parseDuration} from '../lib/duration.js'
import {UsageError} from '../lib/errors.js'
import type {DeletionResult, TagOutcome} from '../lib/deletion/execute.js'
import {Journal} from '../lib/deletion/journal.js'
import type {DeletionPlan} from '../lib/deletion/plan.js'
import {
  DEFAULT_RECORD_KEEP_MS,
  defaultRecordDir,
  type ImageAboutToGo,
  RecoveryRecord,
} from '../lib/deletion/recovery.js'
import type {RegistryClient} from '../lib/registry/client.js'
import type {EffectiveSettings} from '../lib/registry/settings.js'
import type {Interruption} from './interruption.js'

export const recordDirFlag = {
  'record-dir': Flags.string({
    description:
      'Where recovery records are kept (default: the record-dir setting, else $XDG_STATE_HOME/registryctl, else ~/.local/state/registryctl).',
  }),
}

export const recordFlags = {
  ...recordDirFlag,
  record: Flags.boolean({
    default: true,
    allowNo: true,
    description:
      'Record each image (manifest bytes, tags) before deleting it, so `registryctl restore` can put it back until garbage collection runs. --no-record deletes without a record.',
  }),
}

export interface Recording {
  dir: string
  keepMs: number
}

/** The folder recovery records are read from and written to. */
export function recordDir(flags: {'record-dir'?: string}, settings: EffectiveSettings): string {
  const dir = flags['record-dir'] ?? settings.recordDir ?? defaultRecordDir()
  if (!dir)
    throw new UsageError('no place for recovery records: the home folder does not exist', {
      hint: 'give one with --record-dir or the record-dir setting (REGISTRYCTL_RECORD_DIR), or delete without a record: --no-record',
    })
  return dir
}

/** Where this deletion records what it deletes; undefined (with a warning) for --no-record. */
export function chooseRecording(
  flags: {'record-dir'?: string; record?: boolean},
  settings: EffectiveSettings,
): Recording | undefined {
  if (flags.record === false) {
    process.stderr.write(
      'registryctl: warning: --no-record: nothing is recorded, so `registryctl restore` cannot undo this deletion\n',
    )
    return undefined
  }

  const dir = recordDir(flags, settings)
  // Checked before the prompt: a folder that cannot take the record fails now, not after confirming.
  try {
    mkdirSync(dir, {recursive: true, mode: 0o700})
    accessSync(dir, constants.W_OK)
  } catch (error) {
    throw new UsageError(`cannot write the recovery record in ${dir}: ${(error as Error).message}`, {
      cause: error,
      hint: 'choose another place with --record-dir (or the record-dir setting), or delete without one: --no-record',
    })
  }

  return {dir, keepMs: settings.recordKeep ? parseDuration(settings.recordKeep) : DEFAULT_RECORD_KEEP_MS}
}

/**
 * Open this run's record. A line that cannot be written later (a full disk) stops the run the way a
 * failed journal does: no DELETE is sent for an image whose record is not on disk.
 */
function openRecord(recording: Recording | undefined, interruption: Interruption): RecoveryRecord | undefined {
  if (!recording) return undefined
  const record: RecoveryRecord = RecoveryRecord.open(recording.dir, {
    keepMs: recording.keepMs,
    onError: (error) => interruption.fail(`recovery record ${record.path}`, error),
  })
  return record
}

/** What a deleting run writes as it goes: see openRunRecords. */
export interface RunRecords {
  /** The engine's hook: the image is on disk in the recovery record before its DELETE (undefined: --no-record). */
  beforeDelete?: (image: ImageAboutToGo) => Promise<void>
  start(plan: DeletionPlan): void
  outcome(plan: DeletionPlan, outcome: TagOutcome): void
  end(result: DeletionResult): void
  close(): void
}

/**
 * The recovery record (each image before its DELETE) and the --journal (each outcome as it happens)
 * of one deleting run, the same for delete-tags, delete-manifest and cleanup. Either failing to write
 * (a full disk) stops the run through the interruption: later deletions would go unrecorded. The record
 * is opened first: it may refuse, and then no journal is left open.
 */
export function openRunRecords(
  client: RegistryClient,
  options: {recording?: Recording; journal?: string},
  interruption: Interruption,
): RunRecords {
  const record = openRecord(options.recording, interruption)
  const {journal: path} = options
  const journal = path
    ? Journal.open(path, {onError: (error) => interruption.fail(`journal ${path}`, error)})
    : undefined
  return {
    beforeDelete: record && ((image) => record.capture(client, image)),
    start: (plan) => journal?.start(plan),
    outcome(plan, outcome) {
      record?.outcome(plan.registry, plan.name, outcome)
      journal?.outcome(plan, outcome)
    },
    end: (result) => journal?.end(result),
    close() {
      journal?.close()
      record?.close()
    },
  }
}
