/**
 * A deletion journal: one JSON line per event, appended as it happens (O_APPEND, one write per line,
 * flushed to disk at the end), so that even a run killed with -9 leaves a record of every outcome it
 * learned. A rerun, or an operator, reads it to tell what was already done. Several runs may append
 * to the same file: each starts with a `start` line and, unless killed, ends with an `end` line.
 *
 *   {"event":"start","time":…,"registry":…,"name":…,"pattern":…,"planCreatedAt":…}
 *   {"event":"outcome","time":…,"registry":…,"name":…,"tag":…,"digest":…,"status":"DONE","detail":…}
 *   {"event":"end","time":…,"registry":…,"name":…,"interrupted":false,"exitCode":0,"counts":{…}}
 */
import {closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync} from 'node:fs'

import {UsageError} from '../errors.js'
import type {DeletionResult, TagOutcome} from './execute.js'
import type {DeletionPlan} from './plan.js'

export type JournalRecord =
  | {event: 'start'; time: string; registry: string; name: string; pattern: string; planCreatedAt: string}
  | ({event: 'outcome'; time: string; registry: string; name: string} & JournalOutcome)
  | {
      event: 'end'
      time: string
      registry: string
      name: string
      interrupted: boolean
      exitCode: number
      counts: Record<string, number>
    }

/** A tag's outcome: a deletion's (TagOutcome), or a restore's ([RESTORED], [LOST]…). */
export type JournalOutcome = Omit<TagOutcome, 'status'> & {status: string}

export interface JournalOptions {
  /**
   * Called once when a line cannot be written (a full disk); the journal then writes nothing more.
   * Without it, the write's error is thrown.
   */
  onError?: (error: NodeJS.ErrnoException) => void
}

export class Journal {
  private fd: number | undefined
  private failed = false

  private constructor(
    readonly path: string,
    fd: number,
    private readonly options: JournalOptions,
  ) {
    this.fd = fd
  }

  /** Open (create or append to) a journal. Fails before anything is deleted when it cannot be opened. */
  static open(path: string, options: JournalOptions = {}): Journal {
    try {
      return new Journal(path, openSync(path, 'a'), options)
    } catch (error) {
      throw new UsageError(`cannot write journal ${path}: ${(error as Error).message}`, {cause: error})
    }
  }

  private write(record: JournalRecord): void {
    if (this.fd === undefined || this.failed) return
    const line = Buffer.from(`${JSON.stringify(record)}\n`)
    try {
      // A disk that fills up first takes part of a line (a short write), then fails the rest.
      for (let written = 0; written < line.length;) written += writeSync(this.fd, line, written)
    } catch (error) {
      if (!this.options.onError) throw error
      this.failed = true
      this.options.onError(error as NodeJS.ErrnoException)
    }
  }

  start(plan: Pick<DeletionPlan, 'registry' | 'name' | 'pattern' | 'createdAt'>): void {
    this.write({
      event: 'start',
      time: new Date().toISOString(),
      registry: plan.registry,
      name: plan.name,
      pattern: plan.pattern,
      planCreatedAt: plan.createdAt,
    })
  }

  outcome(plan: Pick<DeletionPlan, 'registry' | 'name'>, outcome: JournalOutcome): void {
    this.write({event: 'outcome', time: new Date().toISOString(), registry: plan.registry, name: plan.name, ...outcome})
  }

  end(
    // A deletion's result, or a restore's (its counts by its own statuses).
    result:
      | DeletionResult
      | (Pick<DeletionResult, 'registry' | 'name' | 'interrupted' | 'exitCode'> & {counts: Record<string, number>}),
  ): void {
    this.write({
      event: 'end',
      time: new Date().toISOString(),
      registry: result.registry,
      name: result.name,
      interrupted: result.interrupted,
      exitCode: result.exitCode,
      counts: result.counts,
    })
  }

  close(): void {
    if (this.fd === undefined) return
    try {
      fsyncSync(this.fd)
    } catch {
      // not every file supports fsync (pipes, /dev/stdout): the lines were written all the same
    }

    closeSync(this.fd)
    this.fd = undefined
  }
}

/**
 * The last run recorded in a journal: when it started, whether it ended (no `end` line: killed, or
 * still running), and how many outcomes of each status it recorded. Undefined for an empty journal.
 */
export function lastRun(
  records: JournalRecord[],
):
  | {start: JournalRecord & {event: 'start'}; ended: boolean; interrupted: boolean; counts: Record<string, number>}
  | undefined {
  let index = records.length - 1
  while (index >= 0 && records[index]!.event !== 'start') index--
  if (index < 0) return undefined
  const run = records.slice(index)
  const counts: Record<string, number> = {}
  for (const record of run) if (record.event === 'outcome') counts[record.status] = (counts[record.status] ?? 0) + 1
  const end = run.find((record) => record.event === 'end')
  return {
    start: run[0] as JournalRecord & {event: 'start'},
    ended: end !== undefined,
    interrupted: end?.event === 'end' && end.interrupted,
    counts,
  }
}

/** The records of journal text, skipping a torn line (a write cut short by a crash or a full disk). */
function parseJournal(text: string): JournalRecord[] {
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as JournalRecord]
      } catch {
        return []
      }
    })
}

/** Every record of a journal. */
export function readJournal(path: string): JournalRecord[] {
  return parseJournal(readFileSync(path, 'utf8'))
}

const START = Buffer.from('{"event":"start"')

/**
 * The last run of a journal, read from the end back to its `start` line only: a journal a nightly job
 * has appended to for years can pass what one string may hold (512 MB), and only its last run matters.
 */
export function readLastRun(path: string, chunkBytes = 1024 * 1024): ReturnType<typeof lastRun> {
  const fd = openSync(path, 'r')
  try {
    let position = fstatSync(fd).size
    let tail = Buffer.alloc(0)
    while (position > 0) {
      const length = Math.min(chunkBytes, position)
      position -= length
      const chunk = Buffer.alloc(length)
      readSync(fd, chunk, 0, length, position)
      tail = Buffer.concat([chunk, tail])
      // A start line begins the file or follows a newline.
      for (let at = tail.lastIndexOf(START); at >= 0; at = at === 0 ? -1 : tail.lastIndexOf(START, at - 1)) {
        if (at > 0 ? tail[at - 1] === 0x0a : position === 0)
          return lastRun(parseJournal(tail.subarray(at).toString('utf8')))
      }
    }

    return undefined
  } finally {
    closeSync(fd)
  }
}
