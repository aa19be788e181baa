/** Text rendering shared by commands: pure functions from library results to lines. */
import type {ImageSummary, RepositoryEntry} from '../../lib/registry/inventory.js'

/**
 * docker-registryctl's listing layout, byte for byte: a `-- ` line (dash, dash, space) once, then per
 * repository a `name:` line and one `  - tag` line per tag. The `-- ` line is printed even when there
 * is no repository to list, as docker-registryctl does.
 */
export function formatListing(repositories: RepositoryEntry[]): string[] {
  // A plain loop: spreading tens of thousands of lines through flatMap cost 3x as much, cold.
  const lines = ['-- ']
  for (const repository of repositories) {
    lines.push(`${repository.name}:`)
    for (const entry of repository.tags) lines.push(`  - ${entry.tag}`)
  }

  return lines
}

/**
 * How wide one line of extra information may be: the terminal's width, else $COLUMNS, else 200 (a
 * log file: long enough for a plan row and its reason, short enough that 140 sibling tags are cut).
 */
export function lineWidth(stream: {isTTY?: boolean; columns?: number} = process.stderr): number {
  if (stream.isTTY && stream.columns) return stream.columns
  const columns = Number(process.env.COLUMNS)
  return Number.isInteger(columns) && columns > 20 ? columns : 200
}

const LIST_RUN = /[\w][\w.-]*(?:, [\w][\w.-]*)+/g

/**
 * Bound `text` to one line of `width` characters. A long line is nearly always a list of names (the
 * 140 sibling tags of an image): the longest run of `a, b, c` whose items are in `names` is cut to
 * the items that fit, followed by `… (+N more)`. Anything still too long is cut with `…`.
 */
export function fitLine(text: string, width: number, names: ReadonlySet<string> = new Set()): string {
  if (text.length <= width) return text
  let best: {start: number; length: number; items: string[]} | undefined
  for (const match of text.matchAll(LIST_RUN)) {
    const items = match[0].split(', ')
    let first = 0
    let last = items.length
    while (first < last && !names.has(items[first]!)) first++
    while (last > first && !names.has(items[last - 1]!)) last--
    if (last - first < 2 || (best && best.items.length >= last - first)) continue
    const start = match.index + items.slice(0, first).reduce((sum, item) => sum + item.length + 2, 0)
    best = {start, length: items.slice(first, last).join(', ').length, items: items.slice(first, last)}
  }

  let shortest = text
  if (best) {
    const before = text.slice(0, best.start)
    const after = text.slice(best.start + best.length)
    for (let keep = best.items.length - 1; keep >= 1; keep--) {
      shortest = `${before}${best.items.slice(0, keep).join(', ')}, … (+${best.items.length - keep} more)${after}`
      if (shortest.length <= width) return shortest
    }
  }

  return `${shortest.slice(0, Math.max(0, width - 1))}…`
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
      lines.push(
        `  - ${platform.platform.padEnd(16)} ${platform.digest}  ${formatBytes(platform.size)}  ${platform.created ?? ''}`.trimEnd(),
      )
    }
  }

  lines.push(`Also tagged: ${otherTags.length > 0 ? otherTags.join(', ') : '(no other tag points at this digest)'}`)
  return lines
}
