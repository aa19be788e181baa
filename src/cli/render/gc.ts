/** Rendering gc status: the API view and the store view, sizes human-readable. */
import type {ApiState} from '../../lib/gc/api.js'
import type {AnalyzeProgress, GcModeResult, StoreReport} from '../../lib/gc/store.js'
import {printable} from '../../lib/text.js'
import {formatBytes, shortDigest} from './format.js'

export function formatApiState(state: ApiState): string[] {
  const {unreadable = [], error} = state.catalog
  const empty = state.emptyRepositories
  // Unreachable (nothing known) and partly unreadable (the catalog answered; some repositories
  // refuse these credentials) are different states: different words, different exit codes.
  const catalog = state.catalog.reachable
    ? [
        `reachable, ${state.catalog.repositories} repositories`,
        empty
          ? `${empty.length} without tags${empty.length ? ` (${empty.slice(0, 10).join(', ')}${empty.length > 10 ? ', …' : ''})` : ''}`
          : undefined,
        unreadable.length > 0
          ? `${unreadable.length} unreadable with these credentials (${unreadable.map((entry) => `${entry.name}${entry.realm ? ` by realm "${printable(entry.realm)}"` : ''}`).join(', ')})`
          : undefined,
        error,
      ]
        .filter(Boolean)
        .join(', ')
    : `unreachable: ${error}`
  return [
    `Registry ${state.registry} (API ${state.apiVersion ?? 'version header missing'})`,
    `  catalog:  ${catalog}`,
    `  deletes:  ${state.deletes.verdict} (${state.deletes.detail})`,
    `  writes:   ${state.writes.verdict} (${state.writes.detail})`,
    ...(state.restorable
      ? [
          `  undo:     ${state.restorable.restorableTags} recorded deleted tag(s) (${state.restorable.restorableImages} image(s)) still restorable, until the next garbage collection; ${state.restorable.lostTags} lost to an earlier one${state.restorable.unknownTags > 0 ? `, ${state.restorable.unknownTags} not readable with these credentials` : ''}`,
        ]
      : []),
  ]
}

function modeLine(label: string, mode: GcModeResult): string {
  return `  ${label.padEnd(22)}${String(mode.blobsMarked).padStart(10)}${String(mode.blobsEligible).padStart(12)}${String(mode.manifestsEligible).padStart(12)}${formatBytes(mode.bytesReclaimable).padStart(14)}`
}

export function formatStoreReport(report: StoreReport, options: {top: number}): string[] {
  const tags = report.repositories.reduce((sum, repository) => sum + repository.tags, 0)
  const manifests = report.repositories.reduce((sum, repository) => sum + repository.manifests, 0)
  const untagged = report.repositories.reduce((sum, repository) => sum + repository.untaggedManifests.length, 0)
  const lines = [
    `Store ${report.root} (${report.driver})`,
    `  repositories: ${report.repositories.length} (${report.emptyRepositories.length} without tags), tags: ${tags}, manifests: ${manifests} (${untagged} untagged)`,
    `  blobs: ${report.blobs.count} (${formatBytes(report.blobs.bytes)}${report.blobs.unsized > 0 ? ` + ${report.blobs.unsized} large objects the listing shows as 0 bytes` : ''})`,
    `  garbage-collect        ${'marked'.padStart(10)}${'blobs'.padStart(12)}${'manifests'.padStart(12)}${'reclaimable'.padStart(14)}`,
    modeLine('(default)', report.default),
    modeLine('--delete-untagged', report.deleteUntagged),
  ]
  if (report.deleteUntagged.abort)
    lines.push(`  warning: --delete-untagged would abort: ${report.deleteUntagged.abort}`)
  if (report.brokenIndexes.length > 0) {
    lines.push(
      `  hazard: --delete-untagged would break ${report.brokenIndexes.length} tagged index(es): their platform manifests are untagged and would be deleted`,
    )
    for (const index of report.brokenIndexes) {
      lines.push(
        `    ${index.repository}:${index.tags.join(',')} ${shortDigest(index.digest)} loses ${index.children.map((child) => shortDigest(child)).join(', ')}`,
      )
    }
  }

  if (report.staleUploads.length > 0) {
    lines.push(
      `  stale uploads: ${report.staleUploads.length} (${[...new Set(report.staleUploads.map((upload) => upload.repository))].slice(0, 5).join(', ')})`,
    )
  }

  const top = [...report.repositories]
    .filter((repository) => repository.reclaimable.default + repository.reclaimable.deleteUntagged > 0)
    .sort(
      (a, b) =>
        b.reclaimable.deleteUntagged - a.reclaimable.deleteUntagged || b.reclaimable.default - a.reclaimable.default,
    )
    .slice(0, options.top)
  if (top.length > 0) {
    lines.push('  top repositories by reclaimable bytes (default / --delete-untagged):')
    const width = Math.max(...top.map((repository) => repository.name.length))
    for (const repository of top)
      lines.push(
        `    ${repository.name.padEnd(width)}  ${formatBytes(repository.reclaimable.default)} / ${formatBytes(repository.reclaimable.deleteUntagged)}`,
      )
  }

  return lines
}

/** One progress line for a long store listing (stderr, on a terminal). */
export function formatStoreProgress(progress: AnalyzeProgress): string {
  const shards = progress.shards.total > 0 ? `, blob shards ${progress.shards.done}/${progress.shards.total}` : ''
  const manifests = progress.phase === 'listing' ? '' : `, manifests read: ${progress.manifests}`
  return `${progress.phase}: ${progress.objects} objects listed${shards}, repositories: ${progress.repositories}${manifests}`
}
