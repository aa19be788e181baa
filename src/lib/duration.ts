/** Durations as cleanup jobs write them: `90d`, `12h`, `2w`, `30m`, or combined (`1w3d`). */
import {UsageError} from './errors.js'

const UNIT_MS: Record<string, number> = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000}

export function parseDuration(text: string): number {
  const trimmed = text.trim()
  if (!/^(?:\d+[smhdw])+$/.test(trimmed)) {
    throw new UsageError(`invalid duration "${text}": use a number and a unit (s, m, h, d, w), e.g. 90d or 1w3d`)
  }

  let total = 0
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) total += Number(amount) * UNIT_MS[unit!]!
  return total
}
