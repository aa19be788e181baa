/**
 * Tag and repository selection with Python's fnmatch semantics, because registryctl replaces
 * docker-registryctl and its users' patterns must keep selecting exactly what they selected before:
 * `*` matches any run of characters including `/`, `?` one character, `[seq]` and `[!seq]` a set,
 * and a pattern must match the whole string (anchored at both ends). Case-sensitive, as on POSIX.
 *
 * Glob libraries (picomatch, minimatch) implement shell globbing instead: `*` stops at `/`, braces
 * and extglobs are special, a leading `.` is hidden. None reproduces fnmatch, so this is a small
 * translator to a RegExp, with fnmatch's own corner cases: an unclosed `[` is literal, `]` right
 * after `[` or `[!` is a member, reversed ranges are empty.
 */
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g

function escapeLiteral(text: string): string {
  return text.replace(REGEX_SPECIAL, '\\$&')
}

function escapeClassChar(char: string): string {
  return /[\\\]^[-]/.test(char) ? `\\${char}` : char
}

/** Translate the members of a bracket expression (without the brackets) into a RegExp fragment. */
function translateSet(body: string): string {
  const negated = body.startsWith('!')
  const members = negated ? body.slice(1) : body
  const items: string[] = []
  const chars = [...members]
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!
    const next = chars[i + 1]
    const end = chars[i + 2]
    if (next === '-' && end !== undefined) {
      // A reversed range such as z-a is empty in fnmatch (Python ≥ 3.9), not an error.
      if (char <= end) items.push(`${escapeClassChar(char)}-${escapeClassChar(end)}`)
      i += 2
      continue
    }

    items.push(escapeClassChar(char))
  }

  if (items.length === 0) return negated ? '.' : '(?!)'
  return `[${negated ? '^' : ''}${items.join('')}]`
}

export function fnmatchToRegExp(pattern: string): RegExp {
  const chars = [...pattern]
  let source = ''
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!
    if (char === '*') {
      source += '.*'
      while (chars[i + 1] === '*') i++
    } else if (char === '?') {
      source += '.'
    } else if (char === '[') {
      let j = i + 1
      if (chars[j] === '!') j++
      if (chars[j] === ']') j++
      while (j < chars.length && chars[j] !== ']') j++
      if (j >= chars.length) {
        source += '\\['
      } else {
        source += translateSet(chars.slice(i + 1, j).join(''))
        i = j
      }
    } else {
      source += escapeLiteral(char)
    }
  }

  return new RegExp(`^(?:${source})$`, 'su')
}

export interface Matcher {
  (text: string): boolean
  pattern: string
}

/** Compile once, match many: selections run over tens of thousands of tags. */
export function fnmatcher(pattern: string): Matcher {
  const regexp = fnmatchToRegExp(pattern)
  const matcher = ((text: string) => regexp.test(text)) as Matcher
  matcher.pattern = pattern
  return matcher
}

export function fnmatch(text: string, pattern: string): boolean {
  return fnmatchToRegExp(pattern).test(text)
}

/** True when the pattern has no glob characters and so names exactly one thing. */
export function isLiteralPattern(pattern: string): boolean {
  return !/[*?[]/.test(pattern)
}

/**
 * What in a pattern probably does not select what its author meant, one sentence each (the pattern
 * still works, with fnmatch's meaning): for now an unclosed `[`, which fnmatch takes literally.
 */
export function globWarnings(pattern: string): string[] {
  const warnings: string[] = []
  const chars = [...pattern]
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] !== '[') continue
    let j = i + 1
    if (chars[j] === '!') j++
    if (chars[j] === ']') j++
    while (j < chars.length && chars[j] !== ']') j++
    if (j >= chars.length) {
      warnings.push(
        `in pattern '${pattern}' the '[' at position ${i + 1} is never closed, so it matches a literal '[' (close it with ']', or write '[[]' for a literal '[')`,
      )
      break
    }

    i = j
  }

  return warnings
}
