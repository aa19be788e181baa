/**
 * WWW-Authenticate parsing (RFC 7235): `Bearer realm="…",service="…",scope="a b"` or `Basic realm="…"`.
 * Parameter values may be quoted strings containing commas and escaped quotes, and a header may carry
 * several challenges, so a split on commas is not enough.
 */
export interface Challenge {
  scheme: string
  params: Record<string, string>
}

const TOKEN = /^[!#$%&'*+.^_`|~\w-]+/

/** The realm the challenges name first (nginx's auth_basic text, or a token server's URL). */
export function challengeRealm(challenges: Challenge[]): string | undefined {
  return challenges.find((challenge) => challenge.params.realm)?.params.realm
}

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return []
  const headers = Array.isArray(header) ? header : [header]
  return headers.flatMap((value) => parseOne(value))
}

function parseOne(input: string): Challenge[] {
  const challenges: Challenge[] = []
  let rest = input.trim()
  while (rest.length > 0) {
    const scheme = TOKEN.exec(rest)?.[0]
    if (!scheme) break
    rest = rest.slice(scheme.length).trimStart()
    const challenge: Challenge = {scheme: scheme.toLowerCase(), params: {}}
    challenges.push(challenge)
    // auth-params: name=value pairs separated by commas, until the next scheme token.
    for (;;) {
      const name = TOKEN.exec(rest)?.[0]
      if (!name) break
      const afterName = rest.slice(name.length).trimStart()
      if (!afterName.startsWith('=')) break // a new challenge's scheme
      let value: string
      let remaining = afterName.slice(1).trimStart()
      if (remaining.startsWith('"')) {
        let index = 1
        value = ''
        while (index < remaining.length && remaining[index] !== '"') {
          if (remaining[index] === '\\' && index + 1 < remaining.length) index++
          value += remaining[index]
          index++
        }

        remaining = remaining.slice(index + 1)
      } else {
        value = TOKEN.exec(remaining)?.[0] ?? ''
        remaining = remaining.slice(value.length)
      }

      challenge.params[name.toLowerCase()] = value
      rest = remaining.trimStart()
      if (rest.startsWith(',')) rest = rest.slice(1).trimStart()
    }
  }

  return challenges
}
