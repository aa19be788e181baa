/**
 * httpbb's YAML suites, read as they are in the wild. Each top-level key is `http://NAME` or
 * `https://NAME` (NAME is the Host header and the TLS server name); its value is a list of test cases:
 * `path` (required), `method` (default GET), `request_headers`, `json_body` (a mapping sent as JSON),
 * and the assertions `assert_status`, `assert_headers` (names case-insensitive, values exact),
 * `assert_headers_regex` (partial match), `assert_headers_absent`, `assert_body_contains`,
 * `assert_body_regex` (multiline, partial match, inline flags such as `(?s)` allowed).
 * Unknown keys and wrong types are errors that name the file and line.
 */
import {readFileSync} from 'node:fs'

import {isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type Scalar, type YAMLMap} from 'yaml'

import {UsageError} from '../errors.js'

export interface TestCase {
  file: string
  line: number
  scheme: 'http' | 'https'
  /** Host header and TLS server name (NAME of the top-level key, with its port if any). */
  name: string
  path: string
  method: string
  requestHeaders: Record<string, string>
  jsonBody?: unknown
  assertStatus?: number
  /** Built-in suites only (httpbb has no such key): any of these statuses passes. */
  assertStatusOneOf?: number[]
  assertHeaders?: Record<string, string>
  assertHeadersRegex?: Record<string, RegExp>
  assertHeadersAbsent?: string[]
  assertBodyContains?: string
  assertBodyRegex?: RegExp
}

const KNOWN_KEYS = new Set([
  'path',
  'method',
  'request_headers',
  'json_body',
  'assert_status',
  'assert_headers',
  'assert_headers_regex',
  'assert_headers_absent',
  'assert_body_contains',
  'assert_body_regex',
])

/**
 * Python's `re` inline flags (`(?s)`, `(?i)`, `(?m)`, `(?x)` unsupported) at the start of a pattern,
 * moved to JavaScript flags. httpbb searches bodies with re.MULTILINE, so `m` is always on.
 */
export function pythonRegex(source: string, where: string): RegExp {
  let pattern = source
  const flags = new Set(['m'])
  const inline = /^\(\?([aiLmsux]+)\)/.exec(pattern)
  if (inline) {
    for (const flag of inline[1]!) {
      if (flag === 'i' || flag === 's' || flag === 'm') flags.add(flag)
      else if (flag !== 'u' && flag !== 'a')
        throw new UsageError(`${where}: unsupported regular expression flag (?${flag})`)
    }

    pattern = pattern.slice(inline[0].length)
  }

  try {
    return new RegExp(pattern.replaceAll('(?P<', '(?<').replaceAll(/\(\?P=(\w+)\)/g, '\\k<$1>'), [...flags].join(''))
  } catch (error) {
    throw new UsageError(`${where}: invalid regular expression: ${(error as Error).message}`)
  }
}

class SuiteReader {
  private readonly lines = new LineCounter()

  constructor(private readonly file: string) {}

  lineOf(node: Node | undefined | null): number {
    const offset = node?.range?.[0]
    return offset === undefined ? 1 : this.lines.linePos(offset).line
  }

  fail(node: Node | undefined | null, message: string): never {
    throw new UsageError(`${this.file}:${this.lineOf(node)}: ${message}`)
  }

  parse(text: string): TestCase[] {
    const document = parseDocument(text, {lineCounter: this.lines, uniqueKeys: true, prettyErrors: false})
    if (document.errors.length > 0) {
      const error = document.errors[0]!
      const line = this.lines.linePos(error.pos[0]).line
      throw new UsageError(`${this.file}:${line}: invalid YAML: ${error.message.split('\n')[0]}`)
    }

    const root = document.contents
    if (!root) return []
    if (!isMap(root)) this.fail(root, 'expected a mapping of http(s)://NAME to lists of test cases')
    const cases: TestCase[] = []
    for (const pair of (root as YAMLMap).items) {
      const key = pair.key as Scalar | undefined
      const base = String(key?.value ?? '')
      const match = /^(https?):\/\/([^/\s]+)\/?$/.exec(base)
      if (!match) this.fail(key as Node, `top-level key "${base}" is not http://NAME or https://NAME`)
      if (!isSeq(pair.value)) this.fail((pair.value ?? key) as Node, `the test cases of ${base} must be a list`)
      for (const item of pair.value.items)
        cases.push(this.testCase(item as Node, match[1] as 'http' | 'https', match[2]!))
    }

    return cases
  }

  private string(node: Node | undefined | null, key: string): string {
    if (!isScalar(node) || typeof node.value !== 'string') this.fail(node ?? undefined, `${key} must be a string`)
    return node.value as string
  }

  private stringMap(node: Node | undefined | null, key: string): Record<string, string> {
    if (!isMap(node)) this.fail(node ?? undefined, `${key} must be a mapping of names to strings`)
    const result: Record<string, string> = {}
    for (const pair of (node as YAMLMap).items) {
      const name = String((pair.key as Scalar).value)
      const value = pair.value as Node | null
      // Numbers are fine as header values (Content-Length: 0); lists and mappings are not.
      if (!isScalar(value) || value.value === null || typeof value.value === 'object')
        this.fail(value ?? (pair.key as Node), `${key}.${name} must be a string`)
      result[name] = String(value.value)
    }

    return result
  }

  private testCase(node: Node, scheme: 'http' | 'https', name: string): TestCase {
    if (!isMap(node)) this.fail(node, 'a test case must be a mapping with at least "path"')
    const at = this.lineOf(node)
    const where = `${this.file}:${at}`
    const get = (key: string) => (node as YAMLMap).get(key, true) as Node | undefined
    for (const pair of (node as YAMLMap).items) {
      const key = String((pair.key as Scalar).value)
      if (!KNOWN_KEYS.has(key))
        this.fail(pair.key as Node, `unknown key "${key}" (known: ${[...KNOWN_KEYS].join(', ')})`)
    }

    if (!get('path')) this.fail(node, 'a test case needs "path"')
    const path = this.string(get('path'), 'path')
    if (!path.startsWith('/')) this.fail(get('path'), `path "${path}" must start with /`)
    const testCase: TestCase = {
      file: this.file,
      line: at,
      scheme,
      name,
      path,
      method: get('method') ? this.string(get('method'), 'method').toUpperCase() : 'GET',
      requestHeaders: get('request_headers') ? this.stringMap(get('request_headers'), 'request_headers') : {},
    }
    const status = get('assert_status')
    if (status) {
      if (!isScalar(status) || typeof status.value !== 'number' || !Number.isInteger(status.value))
        this.fail(status, 'assert_status must be a whole number')
      testCase.assertStatus = status.value as number
    }

    const json = get('json_body')
    if (json) {
      if (!isMap(json)) this.fail(json, 'json_body must be a mapping')
      testCase.jsonBody = (json as YAMLMap).toJSON()
    }

    if (get('assert_headers')) testCase.assertHeaders = this.stringMap(get('assert_headers'), 'assert_headers')
    if (get('assert_headers_regex')) {
      const patterns = this.stringMap(get('assert_headers_regex'), 'assert_headers_regex')
      testCase.assertHeadersRegex = Object.fromEntries(
        Object.entries(patterns).map(([header, pattern]) => [header, pythonRegex(pattern, where)]),
      )
    }

    const absent = get('assert_headers_absent')
    if (absent) {
      if (!isSeq(absent) || absent.items.some((item) => !isScalar(item) || typeof item.value !== 'string'))
        this.fail(absent, 'assert_headers_absent must be a list of header names')
      testCase.assertHeadersAbsent = absent.items.map((item) => String((item as Scalar).value))
    }

    if (get('assert_body_contains'))
      testCase.assertBodyContains = this.string(get('assert_body_contains'), 'assert_body_contains')
    if (get('assert_body_regex'))
      testCase.assertBodyRegex = pythonRegex(this.string(get('assert_body_regex'), 'assert_body_regex'), where)
    return testCase
  }
}

export function parseSuite(text: string, file: string): TestCase[] {
  return new SuiteReader(file).parse(text)
}

export async function readSuite(file: string): Promise<TestCase[]> {
  let text: string
  try {
    // One read, not fs/promises' four round trips through the thread pool (open, stat, read, close).
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, {cause: error})
  }

  return parseSuite(text, file)
}
