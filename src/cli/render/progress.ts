/**
 * A one-line progress display on a terminal (stderr) for commands that may run for seconds: what is
 * done of what, requests sent and their rate. It reads plain counters on a timer, so the work being
 * measured pays nothing for it. Nothing is written when stderr is not a terminal, or with -s.
 */
import type {InventoryProgress} from '../../lib/registry/inventory.js'
import {isSilent} from '../quiet.js'

export interface ProgressSources {
  /** What the command is doing, e.g. "listing". */
  label: string
  inventory?: InventoryProgress
  /** Requests sent so far (Transport.requests). */
  requests: () => number
}

export function formatProgress(sources: ProgressSources, elapsedMs: number): string {
  const parts: string[] = []
  const inventory = sources.inventory
  if (inventory?.repositoriesTotal) parts.push(`${inventory.repositories}/${inventory.repositoriesTotal} repositories`)
  if (inventory?.tagsTotal) parts.push(`${inventory.tags}/${inventory.tagsTotal} tags`)
  const requests = sources.requests()
  const rate = elapsedMs > 0 ? Math.round((requests * 1000) / elapsedMs) : 0
  parts.push(`${requests} requests (${rate}/s)`)
  return `${sources.label}: ${parts.join(', ')}`
}

export interface Progress {
  /** Clears the line; call before printing the result. */
  stop(): void
}

/**
 * Shows progress on `stream` when it is a terminal (and `enabled`), redrawn every `intervalMs`.
 * The last frame is drawn once more on stop, then erased.
 */
export function startProgress(
  sources: ProgressSources,
  options: {enabled: boolean; stream?: NodeJS.WriteStream; intervalMs?: number},
): Progress {
  const stream = options.stream ?? process.stderr
  if (!options.enabled || !stream.isTTY || isSilent()) return {stop() {}}
  const started = Date.now()
  const draw = () => {
    const line = formatProgress(sources, Date.now() - started)
    const width = stream.columns || 80
    stream.write(`\r${line.length >= width ? line.slice(0, width - 1) : line}\u001B[K`)
  }

  draw()
  const timer = setInterval(draw, options.intervalMs ?? 200)
  timer.unref()
  let stopped = false
  return {
    stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      draw()
      stream.write('\r\u001B[K')
    },
  }
}
