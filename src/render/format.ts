/** Text rendering shared by commands: pure functions from library results to lines. */
import type {ImageSummary, RepositoryEntry} from '../lib/inventory.js'

/** docker-registryctl's listing layout: `-- name:` then one `  - tag` line per tag. */
export function formatListing(repositories: RepositoryEntry[]): string[] {
  return repositories.flatMap((repository) => [`-- ${repository.name}:`, ...repository.tags.map((entry) => `  - ${entry.tag}`)])
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** Decimal units, as registries and docker report sizes. */
export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000
    unit++
  }

  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${UNITS[unit]}`
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12)
}

export function formatInspection(reference: string, summary: ImageSummary, otherTags: string[]): string[] {
  const lines = [
    `Reference:  ${reference}`,
    `Digest:     ${summary.digest}`,
    `Media type: ${summary.mediaType}`,
    `Size:       ${formatBytes(summary.totalSize)} (${summary.totalSize} bytes${summary.platforms ? ', distinct blobs of all platforms' : ''})`,
    `Created:    ${summary.created ?? 'unknown'}`,
  ]
  if (summary.platforms) {
    lines.push(`Platforms:  ${summary.platforms.length}`)
    for (const platform of summary.platforms) {
      lines.push(`  - ${platform.platform.padEnd(16)} ${platform.digest}  ${formatBytes(platform.size)}  ${platform.created ?? ''}`.trimEnd())
    }
  }

  lines.push(`Also tagged: ${otherTags.length > 0 ? otherTags.join(', ') : '(no other tag points at this digest)'}`)
  return lines
}
