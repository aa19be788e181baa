/**
 * Host lists as httpbb and cumin write them: comma-separated, with bracket sets of numbers and
 * ranges, `registry[2001-2002,2004].codfw.example` → registry2001, registry2002, registry2004. Ranges
 * keep their zero padding (`[01-03]`), and several brackets multiply out. Commas inside brackets
 * belong to the set, not to the list.
 */
import {UsageError} from '../errors.js'

const MAX_HOSTS = 10_000

function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const char of text) {
    if (char === '[') depth++
    if (char === ']') depth--
    if (depth < 0) throw new UsageError(`invalid host list "${text}": "]" without "["`)
    if (char === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else {
      current += char
    }
  }

  if (depth !== 0) throw new UsageError(`invalid host list "${text}": "[" without "]"`)
  parts.push(current)
  return parts.map((part) => part.trim()).filter(Boolean)
}

function expandSet(set: string, pattern: string): string[] {
  const values: string[] = []
  for (const item of set.split(',')) {
    const range = /^(\d+)-(\d+)$/.exec(item.trim())
    if (range) {
      const [, from, to] = range as unknown as [string, string, string]
      if (Number(from) > Number(to))
        throw new UsageError(`invalid host list "${pattern}": range ${item} goes backwards`)
      const width = from.length
      for (let n = Number(from); n <= Number(to); n++) values.push(String(n).padStart(width, '0'))
      if (values.length > MAX_HOSTS)
        throw new UsageError(`host list "${pattern}" expands to more than ${MAX_HOSTS} hosts`)
    } else if (/^[\w.-]+$/.test(item.trim())) {
      values.push(item.trim())
    } else {
      throw new UsageError(`invalid host list "${pattern}": "${item}" is neither a number, a range nor a name`)
    }
  }

  return values
}

function expandOne(pattern: string): string[] {
  const open = pattern.indexOf('[')
  if (open < 0) return [pattern]
  const close = pattern.indexOf(']', open)
  const head = pattern.slice(0, open)
  const tails = expandOne(pattern.slice(close + 1))
  return expandSet(pattern.slice(open + 1, close), pattern).flatMap((value) =>
    tails.map((tail) => `${head}${value}${tail}`),
  )
}

export function expandHosts(list: string): string[] {
  const hosts = splitTopLevel(list).flatMap((part) => expandOne(part))
  if (hosts.length === 0) throw new UsageError('--hosts is empty')
  if (hosts.length > MAX_HOSTS) throw new UsageError(`--hosts expands to more than ${MAX_HOSTS} hosts`)
  return [...new Set(hosts)]
}

/**
 * A host of --hosts as address and optional port: `node1`, `node1:8443`, `10.0.0.1:5000`, `[::1]:5000`,
 * `::1`. A port given here wins over --https-port/--http-port for that host.
 */
export function splitHost(host: string): {hostname: string; port?: number} {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(host)
  if (bracketed) return {hostname: bracketed[1]!, ...(bracketed[2] ? {port: Number(bracketed[2])} : {})}
  const withPort = /^([^:]+):(\d+)$/.exec(host)
  if (withPort) return {hostname: withPort[1]!, port: Number(withPort[2])}
  return {hostname: host}
}
