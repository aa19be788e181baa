/**
 * Prometheus textfile-collector metrics of a cleanup run (node_exporter's --collector.textfile.directory):
 * tags per repository and outcome, bytes the deleted images held, duration, exit code, and the time of
 * the last successful run, which a failed run carries over from the file it replaces. The file is
 * written next to its destination and renamed over it, so the collector never reads half a file.
 */
import {readFile, rename, rm, writeFile} from 'node:fs/promises'

import type {DeletionResult} from '../deletion/execute.js'
import {blockedTags, type CleanupPlan} from './plan.js'

export type MetricOutcome =
  'deleted' | 'untagged' | 'kept' | 'blocked' | 'failed' | 'unknown' | 'gone' | 'changed' | 'not-run'

export interface RepositoryMetrics {
  tags: Partial<Record<MetricOutcome, number>>
  /** Bytes of the images deleted from this repository (blobs shared with other images included). */
  deletedBytes: number
}

export interface CleanupMetrics {
  registry: string
  repositories: Map<string, RepositoryMetrics>
  /** Repositories a rule covers that the credentials could not read (401/403): not cleaned. */
  unreadableRepositories: number
  durationSeconds: number
  exitCode: number
  /** Seconds since the epoch. */
  finishedAt: number
  success: boolean
}

const escapeLabel = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
const labels = (pairs: Record<string, string>) =>
  `{${Object.entries(pairs)
    .map(([name, value]) => `${name}="${escapeLabel(value)}"`)
    .join(',')}}`

const LAST_SUCCESS = 'registryctl_cleanup_last_success_timestamp_seconds'

/** The last-success time recorded for this registry in an earlier file, if any. */
export async function previousLastSuccess(path: string, registry: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const prefix = `${LAST_SUCCESS}${labels({registry})} `
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix))
  const value = line ? Number(line.slice(prefix.length)) : Number.NaN
  return Number.isFinite(value) ? value : undefined
}

export function renderMetrics(metrics: CleanupMetrics, lastSuccess: number | undefined): string {
  const registry = metrics.registry
  const lines: string[] = [
    '# HELP registryctl_cleanup_tags Tags of the last cleanup run, per repository and outcome.',
    '# TYPE registryctl_cleanup_tags gauge',
  ]
  const names = [...metrics.repositories.keys()].sort()
  for (const name of names) {
    const repository = metrics.repositories.get(name)!
    for (const [outcome, count] of Object.entries(repository.tags).sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`registryctl_cleanup_tags${labels({registry, repository: name, outcome})} ${count}`)
    }
  }

  lines.push(
    '# HELP registryctl_cleanup_deleted_bytes Bytes the images deleted by the last cleanup run held (freed only by garbage collection, shared blobs stay).',
    '# TYPE registryctl_cleanup_deleted_bytes gauge',
  )
  for (const name of names)
    lines.push(
      `registryctl_cleanup_deleted_bytes${labels({registry, repository: name})} ${metrics.repositories.get(name)!.deletedBytes}`,
    )
  const last = metrics.success ? metrics.finishedAt : lastSuccess
  lines.push(
    '# HELP registryctl_cleanup_unreadable_repositories Repositories the last cleanup run could not read (401/403), so did not clean.',
    '# TYPE registryctl_cleanup_unreadable_repositories gauge',
    `registryctl_cleanup_unreadable_repositories${labels({registry})} ${metrics.unreadableRepositories}`,
    '# HELP registryctl_cleanup_duration_seconds Duration of the last cleanup run.',
    '# TYPE registryctl_cleanup_duration_seconds gauge',
    `registryctl_cleanup_duration_seconds${labels({registry})} ${metrics.durationSeconds.toFixed(3)}`,
    '# HELP registryctl_cleanup_exit_code Exit code of the last cleanup run (0: success).',
    '# TYPE registryctl_cleanup_exit_code gauge',
    `registryctl_cleanup_exit_code${labels({registry})} ${metrics.exitCode}`,
    '# HELP registryctl_cleanup_last_run_timestamp_seconds When the last cleanup run finished.',
    '# TYPE registryctl_cleanup_last_run_timestamp_seconds gauge',
    `registryctl_cleanup_last_run_timestamp_seconds${labels({registry})} ${metrics.finishedAt}`,
  )
  if (last !== undefined) {
    lines.push(
      '# HELP registryctl_cleanup_last_success_timestamp_seconds When a cleanup run last succeeded.',
      '# TYPE registryctl_cleanup_last_success_timestamp_seconds gauge',
      `${LAST_SUCCESS}${labels({registry})} ${last}`,
    )
  }

  return `${lines.join('\n')}\n`
}

/** Write to a temporary file in the same folder, then rename: readers see the old file or the new one. */
export async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`
  try {
    await writeFile(temporary, text, {mode: 0o644})
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, {force: true})
    throw error
  }
}

export async function writeMetricsFile(path: string, metrics: CleanupMetrics): Promise<void> {
  await writeAtomically(path, renderMetrics(metrics, await previousLastSuccess(path, metrics.registry)))
}

/** Per-repository outcomes of a run (or of a plan that was not applied: its tags are `not-run`). */
export function collectMetrics(plan: CleanupPlan, results: DeletionResult[]): Map<string, RepositoryMetrics> {
  const byName = new Map(results.map((result) => [result.name, result]))
  const metrics = new Map<string, RepositoryMetrics>()
  for (const repository of plan.repositories) {
    const blocked = blockedTags(repository)
    const tags: RepositoryMetrics['tags'] = {}
    const count = (outcome: MetricOutcome) => (tags[outcome] = (tags[outcome] ?? 0) + 1)
    const result = byName.get(repository.name)
    const outcomes = new Map(result?.tags.map((outcome) => [outcome.tag, outcome]))
    for (const tag of repository.tags) {
      const outcome = outcomes.get(tag.tag)
      if (tag.action === 'kept') count(blocked.has(tag.tag) ? 'blocked' : 'kept')
      else if (!outcome) count('not-run')
      else if (outcome.status === 'DONE') count(tag.action === 'untag' ? 'untagged' : 'deleted')
      else if (outcome.status === 'FAIL') count('failed')
      else if (outcome.status === 'UNKNOWN') count('unknown')
      else if (outcome.status === 'SKIPPED') count('not-run')
      else if (outcome.status === 'GONE') count('gone')
      else if (outcome.status === 'CHANGED') count('changed')
      else count('kept')
    }

    let deletedBytes = 0
    const done = new Set(result?.digests.filter((digest) => digest.status === 'DONE').map((digest) => digest.digest))
    for (const digest of repository.digests)
      if (digest.action === 'delete' && done.has(digest.digest)) deletedBytes += digest.size ?? 0
    metrics.set(repository.name, {tags, deletedBytes})
  }

  return metrics
}
