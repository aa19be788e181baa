/** Rendering smoke results: a line per host, the failures under it, JUnit XML for CI, drift lines. */
import type {DriftReport} from '../../lib/smoke/drift.js'
import type {HostResult} from '../../lib/smoke/runner.js'
import {shortDigest} from './format.js'

export function formatSmoke(results: HostResult[]): string[] {
  const lines: string[] = []
  for (const host of results) {
    lines.push(`${host.host}: ${host.passed} passed, ${host.failed} failed${host.unreachable ? ' (unreachable)' : ''}`)
    for (const result of host.cases) {
      if (!result.error && result.failures.length === 0) continue
      lines.push(
        `  FAIL ${result.file}:${result.line} ${result.url} (via ${result.via})${result.durationMs === undefined ? '' : ` (${Math.round(result.durationMs)} ms)`}`,
      )
      if (result.error) lines.push(`       ${result.error}`)
      for (const failure of result.failures)
        lines.push(`       ${failure.assertion}: expected ${failure.expected}, got ${failure.actual}`)
    }
  }

  const {passed, failed} = smokeTotals(results)
  lines.push(`${passed} passed, ${failed} failed`)
  return lines
}

/** The totals of a run, for the last line and for --json. */
export function smokeTotals(results: HostResult[]): {
  hosts: number
  unreachable: number
  cases: number
  passed: number
  failed: number
} {
  return {
    hosts: results.length,
    unreachable: results.filter((host) => host.unreachable).length,
    cases: results.reduce((sum, host) => sum + host.cases.length, 0),
    passed: results.reduce((sum, host) => sum + host.passed, 0),
    failed: results.reduce((sum, host) => sum + host.failed, 0),
  }
}

// XML 1.0 forbids most control characters even as references: they become U+FFFD.

const escapeXml = (text: string) =>
  text
    .replaceAll(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')

export function formatJunit(results: HostResult[]): string {
  const suites = results.map((host) => {
    const cases = host.cases.map((result) => {
      const name = escapeXml(`${result.file}:${result.line} ${result.url} (via ${result.via})`)
      const time = result.durationMs === undefined ? '' : ` time="${(result.durationMs / 1000).toFixed(3)}"`
      const open = `    <testcase classname="${escapeXml(host.host)}" name="${name}"${time}`
      if (result.error) return `${open}><error message="${escapeXml(result.error)}"/></testcase>`
      if (result.failures.length === 0) return `${open}/>`
      const message = result.failures
        .map((failure) => `${failure.assertion}: expected ${failure.expected}, got ${failure.actual}`)
        .join('; ')
      return `${open}><failure message="${escapeXml(message)}"/></testcase>`
    })
    const errors = host.cases.filter((result) => result.error).length
    return [
      `  <testsuite name="${escapeXml(host.host)}" tests="${host.cases.length}" failures="${host.failed - errors}" errors="${errors}">`,
      ...cases,
      '  </testsuite>',
    ].join('\n')
  })
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<testsuites name="registryctl smoke">',
    ...suites,
    '</testsuites>',
    '',
  ].join('\n')
}

export function formatDrift(report: DriftReport): string[] {
  // 'present' (a repository-level difference) is not a digest and stays as it is.
  const short = (value: string | null) => (value === null ? 'missing' : shortDigest(value))
  const lines = [`Compared ${report.nodes.join(', ')}: ${report.repositories} repositories, ${report.tags} tags`]
  for (const difference of report.differences) {
    const what = difference.tag ? `${difference.repository}:${difference.tag}` : `${difference.repository} (repository)`
    lines.push(
      `  DIFFERS ${what}  ${Object.entries(difference.values)
        .map(([node, value]) => `${node}=${short(value)}`)
        .join('  ')}`,
    )
  }

  lines.push(report.differences.length === 0 ? 'The nodes agree.' : `${report.differences.length} difference(s).`)
  return lines
}
