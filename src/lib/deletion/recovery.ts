/**
 * The recovery record: what a deletion needs to be undone. Distribution's DELETE removes a manifest's
 * links, not its bytes: the manifest and its layers stay in the store until garbage collection runs.
 * So the exact manifest bytes and media type (for an index, its children's too) and the tags that
 * pointed at it are all a restore needs, and they are written here, one JSON line per image, and
 * flushed to disk (fsync) *before* that image's DELETE is sent: a run killed at any point leaves the
 * record of every image it deleted. One file per run, in $XDG_STATE_HOME/registryctl (else
 * ~/.local/state/registryctl), records older than the configured age pruned when a new one starts.
 *
 *   {"event":"run","version":1,"id":…,"time":…}
 *   {"event":"image","time":…,"registry":…,"name":…,"digest":…,"mediaType":…,"manifest":BASE64,
 *    "tags":[…],"children":[{"digest","mediaType","manifest"}],"untag":false}
 *   {"event":"outcome","registry":…,"name":…,"tag":…,"digest":…,"status":"DONE"}
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {NotFoundError, UsageError} from '../errors.js'
import type {RegistryClient} from '../registry/client.js'
import type {TagOutcome} from './execute.js'

export const RECORD_VERSION = 1
/** Records older than this are pruned (a collection runs at least that often where it matters). */
export const DEFAULT_RECORD_KEEP_MS = 30 * 86_400_000

export interface RecordedManifest {
  digest: string
  mediaType: string
  /** The exact bytes, base64: a restore PUTs them as they were, so the digest comes back the same. */
  manifest: string
}

export interface RecordedImage extends RecordedManifest {
  event: 'image'
  time: string
  registry: string
  name: string
  /** The tags that pointed at it and that this deletion removes. */
  tags: string[]
  /** For an index: its children, by the bytes the registry served (restored before the index). */
  children: RecordedManifest[]
  /** Children the registry no longer served when the record was made (they cannot be restored from here). */
  missingChildren?: string[]
  /** Only tag names were removed (--keep-siblings); the image stayed for its other tags. */
  untag?: boolean
}

export type RecordLine =
  | {event: 'run'; version: number; id: string; time: string}
  | RecordedImage
  | {event: 'outcome'; registry: string; name: string; tag: string; digest: string; status: string}

/** The image the engine is about to delete (or untag), as it hands it to the record. */
export interface ImageAboutToGo {
  name: string
  digest: string
  tags: string[]
  untag?: boolean
}

/**
 * $XDG_STATE_HOME/registryctl, else ~/.local/state/registryctl (XDG's default). None for an account
 * whose home does not exist (a system user's /nonexistent): then a record needs a configured place.
 */
export function defaultRecordDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string | undefined {
  if (env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/')) return join(env.XDG_STATE_HOME, 'registryctl')
  return existsSync(home) ? join(home, '.local', 'state', 'registryctl') : undefined
}

const RECORD_FILE = /^deleted-(\d{8}T\d{6}Z)-(\d+)(?:-\d+)?\.jsonl$/

/** The run id (and file name stem): sortable by time, unique per process. */
function runId(now: Date): string {
  const stamp = now
    .toISOString()
    .replaceAll(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${process.pid}`
}

/** fsync a folder, so a file just created in it survives a crash of the machine, not only of the process. */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // Some filesystems refuse fsync on folders; the file's own fsync still holds its content.
  }
}

/** Remove records older than `keepMs` (by the time in their name); returns how many went. */
export function pruneRecords(dir: string, keepMs: number, now = new Date()): number {
  let removed = 0
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0
  }

  for (const name of names) {
    const match = RECORD_FILE.exec(name)
    if (!match) continue
    const stamp = match[1]!
    const time = Date.parse(
      `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
    )
    if (Number.isFinite(time) && now.getTime() - time > keepMs) {
      try {
        unlinkSync(join(dir, name))
        removed++
      } catch {
        // another run pruned it first
      }
    }
  }

  return removed
}

export interface RecoveryRecordOptions {
  /**
   * Called once when a line cannot be written (a full disk); the record then writes nothing more and
   * every later image fails to be recorded, so it is not deleted. Without it, the error is thrown only.
   */
  onError?: (error: NodeJS.ErrnoException) => void
  keepMs?: number
  now?: Date
}

export class RecoveryRecord {
  private fd: number | undefined
  private failure: NodeJS.ErrnoException | undefined
  private images = 0

  private constructor(
    readonly path: string,
    readonly id: string,
    fd: number,
    private readonly options: RecoveryRecordOptions,
  ) {
    this.fd = fd
  }

  /** Create this run's record in `dir` (made if missing, private to the user). Throws before anything is deleted. */
  static open(dir: string, options: RecoveryRecordOptions = {}): RecoveryRecord {
    const now = options.now ?? new Date()
    const id = runId(now)
    try {
      mkdirSync(dir, {recursive: true, mode: 0o700})
      pruneRecords(dir, options.keepMs ?? DEFAULT_RECORD_KEEP_MS, now)
      let path = join(dir, `deleted-${id}.jsonl`)
      // Two runs of one process (cleanup's tests, a library user) in the same second: a suffix.
      for (let k = 1; existsSync(path); k++) path = join(dir, `deleted-${id}-${k}.jsonl`)
      const record = new RecoveryRecord(path, id, openSync(path, 'wx', 0o600), options)
      record.write({event: 'run', version: RECORD_VERSION, id, time: now.toISOString()})
      syncDir(dir)
      return record
    } catch (error) {
      throw new UsageError(`cannot write the recovery record in ${dir}: ${(error as Error).message}`, {
        cause: error,
        hint: 'choose another place with --record-dir (or the record-dir setting), or delete without one: --no-record',
      })
    }
  }

  /** One line, written whole and flushed to disk before this returns; throws when it cannot be. */
  private write(line: RecordLine): void {
    if (this.failure) throw this.failure
    if (this.fd === undefined) throw new Error('recovery record closed')
    const bytes = Buffer.from(`${JSON.stringify(line)}\n`)
    try {
      for (let written = 0; written < bytes.length;) written += writeSync(this.fd, bytes, written)
      fsyncSync(this.fd)
    } catch (error) {
      this.failure = error as NodeJS.ErrnoException
      this.options.onError?.(this.failure)
      throw error
    }
  }

  /** Record an image about to be deleted: on disk when this returns. */
  image(entry: Omit<RecordedImage, 'event' | 'time'>): void {
    this.write({event: 'image', time: new Date().toISOString(), ...entry})
    this.images++
  }

  /** What happened to a recorded tag: a restore skips tags whose DELETE was never sent. */
  outcome(registry: string, name: string, outcome: TagOutcome): void {
    if (this.failure || this.fd === undefined) return
    try {
      this.write({event: 'outcome', registry, name, tag: outcome.tag, digest: outcome.digest, status: outcome.status})
    } catch {
      // already reported through onError; the image lines that matter are on disk
    }
  }

  /**
   * Read the image's manifest (and an index's children) by digest, verified, and record it with its
   * tags. The bytes the plan read come from the content cache; otherwise they are fetched.
   */
  async capture(client: RegistryClient, image: ImageAboutToGo): Promise<void> {
    const main = await client.manifest(image.name, image.digest, {cached: true})
    const children: RecordedManifest[] = []
    const missingChildren: string[] = []
    if (main.manifest.kind === 'index') {
      for (const child of main.manifest.manifests) {
        try {
          const fetched = await client.manifest(image.name, child.digest, {cached: true})
          children.push({
            digest: child.digest,
            mediaType: fetched.manifest.mediaType,
            manifest: fetched.raw.toString('base64'),
          })
        } catch (error) {
          // A child already gone cannot be recorded; the rest still can (the restore says what is lost).
          if (!(error instanceof NotFoundError)) throw error
          missingChildren.push(child.digest)
        }
      }
    }

    this.image({
      registry: client.host,
      name: image.name,
      digest: image.digest,
      mediaType: main.manifest.mediaType,
      manifest: main.raw.toString('base64'),
      tags: image.tags,
      children,
      ...(missingChildren.length > 0 ? {missingChildren} : {}),
      ...(image.untag ? {untag: true} : {}),
    })
  }

  /** Close the record; a run that recorded nothing leaves no file. */
  close(): void {
    if (this.fd === undefined) return
    closeSync(this.fd)
    this.fd = undefined
    if (this.images === 0 && !this.failure) {
      try {
        unlinkSync(this.path)
      } catch {
        // gone already
      }
    }
  }
}

/** One run's record, read back. */
export interface RecordedRun {
  id: string
  path: string
  time: string
  images: RecordedImage[]
  /** The last outcome recorded for each `registry/name:tag`. */
  outcomes: Map<string, string>
}

export const outcomeKey = (registry: string, name: string, tag: string) => `${registry}/${name}:${tag}`

/** Every run recorded in `dir`, oldest first; a torn last line (a crash mid-write) is skipped. */
export function readRecords(dir: string): RecordedRun[] {
  let names: string[]
  try {
    names = readdirSync(dir).filter((name) => RECORD_FILE.test(name))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new UsageError(`cannot read recovery records in ${dir}: ${(error as Error).message}`, {cause: error})
  }

  const runs: RecordedRun[] = []
  for (const name of names) {
    const path = join(dir, name)
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch {
      continue
    }

    const run: RecordedRun = {
      id: name.replace(/^deleted-/, '').replace(/\.jsonl$/, ''),
      path,
      time: '',
      images: [],
      outcomes: new Map(),
    }
    for (const line of text.split('\n')) {
      if (!line) continue
      let parsed: RecordLine
      try {
        parsed = JSON.parse(line) as RecordLine
      } catch {
        continue
      }

      if (parsed.event === 'run') run.time = parsed.time
      else if (parsed.event === 'image') run.images.push(parsed)
      else if (parsed.event === 'outcome')
        run.outcomes.set(outcomeKey(parsed.registry, parsed.name, parsed.tag), parsed.status)
    }

    run.time ||= statSync(path).mtime.toISOString()
    runs.push(run)
  }

  return runs.sort((a, b) => a.time.localeCompare(b.time) || a.id.localeCompare(b.id))
}

/** Outcomes that say the tag's DELETE was never sent: nothing of it to restore. */
const NOT_DELETED = new Set(['CHANGED', 'GONE', 'SKIPPED'])

/** Was this recorded tag (probably) deleted by its run? Unknown (no outcome: killed) counts as deleted. */
export function wasDeleted(run: RecordedRun, image: RecordedImage, tag: string): boolean {
  const status = run.outcomes.get(outcomeKey(image.registry, image.name, tag))
  return status === undefined || !NOT_DELETED.has(status)
}
