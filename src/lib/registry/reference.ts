/**
 * References as operators type them: `host[:port]/path/name[:tag|@sha256:…]`, optionally prefixed
 * with `http://` or `https://` to force the scheme, or `docker://` (skopeo's spelling, no scheme
 * forced). The first component is the registry host when it looks like one, as docker decides: it has
 * a `.` or a `:`, is `localhost`, or is a configured alias. Otherwise (`wikimedia/app`) the reference
 * has no host and the configured default registry is used; there is no implicit docker.io.
 *
 * Grammar: the distribution spec's (reference/regexp.go) name components, tag and digest rules.
 */
import {InvalidReferenceError} from '../errors.js'

export type Scheme = 'http' | 'https'

export interface RegistryAddress {
  /** `host` or `host:port`, as used in URLs and in docker's config.json keys. IPv6 in brackets. */
  host: string
  /** Set when the user wrote a scheme explicitly. */
  scheme?: Scheme
}

export interface ImageReference extends RegistryAddress {
  /** Repository name, e.g. `team/app`. */
  name: string
  tag?: string
  digest?: string
}

/** Like ImageReference but the tag part is a glob (fnmatch) and may be absent (= `*`). */
export interface GlobReference extends RegistryAddress {
  name: string
  pattern?: string
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/
const IPV6 = /^\[[0-9a-fA-F:.]+(?:%[\w.]+)?\]$/
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/
const HEX_BY_ALGORITHM: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
}
const NAME_MAX_LENGTH = 255

function invalid(input: string, why: string): InvalidReferenceError {
  return new InvalidReferenceError(`invalid reference "${input}": ${why}`)
}

/**
 * Where a reference without a registry host goes, and short names for registries. Set once by the
 * CLI from the settings (see settings.ts); a library user can pass its own to each parse call.
 */
export interface ReferenceDefaults {
  /** `host[:port]` used when a reference names no registry (`wikimedia/app`). */
  defaultRegistry?: string
  /** Names that stand for a registry: `{public: 'docker-registry.wikimedia.org'}`. */
  aliases?: Record<string, string>
}

let configuredDefaults: ReferenceDefaults = {}

export function setReferenceDefaults(defaults: ReferenceDefaults): void {
  configuredDefaults = defaults
}

/** Strip an explicit scheme prefix (`docker://` is accepted and forces nothing). */
function splitScheme(input: string): {scheme?: Scheme; rest: string} {
  const match = /^(https?|docker):\/\//i.exec(input)
  if (!match) return {rest: input}
  const scheme = match[1]!.toLowerCase()
  return {scheme: scheme === 'docker' ? undefined : (scheme as Scheme), rest: input.slice(match[0].length)}
}

/** A configured alias replaced by the registry it stands for (itself otherwise). */
function resolveAlias(host: string, defaults: ReferenceDefaults): string {
  return defaults.aliases?.[host] ?? host
}

/** Docker's rule: a first component with a `.` or `:`, `localhost`, or an IPv6 literal is a host. */
function looksLikeHost(component: string, defaults: ReferenceDefaults): boolean {
  return (
    /[.:]/.test(component) ||
    component === 'localhost' ||
    component.startsWith('[') ||
    Boolean(defaults.aliases?.[component])
  )
}

export function validateHost(host: string, input = host): void {
  if (host.length === 0) throw invalid(input, 'the registry host is empty')
  let hostname = host
  let port: string | undefined
  if (host.startsWith('[')) {
    const close = host.indexOf(']')
    hostname = host.slice(0, close + 1)
    const after = host.slice(close + 1)
    if (close < 0 || !IPV6.test(hostname)) throw invalid(input, `"${host}" is not a valid IPv6 host`)
    if (after !== '') {
      if (!after.startsWith(':')) throw invalid(input, `unexpected "${after}" after the IPv6 host`)
      port = after.slice(1)
    }
  } else {
    const colon = host.lastIndexOf(':')
    if (colon >= 0) {
      hostname = host.slice(0, colon)
      port = host.slice(colon + 1)
    }

    for (const component of hostname.split('.')) {
      if (!DOMAIN_COMPONENT.test(component)) throw invalid(input, `"${host}" is not a valid registry host`)
    }
  }

  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) > 0 && Number(port) < 65_536)) {
    throw invalid(input, `"${port}" is not a valid port`)
  }
}

/** Parse `[scheme://]host[:port]` (a trailing slash is tolerated), for commands that take a registry. */
export function parseRegistry(input: string, defaults: ReferenceDefaults = configuredDefaults): RegistryAddress {
  const {scheme, rest} = splitScheme(input.trim())
  const host = resolveAlias(rest.replace(/\/+$/, ''), defaults)
  if (host.includes('/')) {
    throw invalid(input, 'expected a registry host such as registry.example.org or localhost:5000, not an image')
  }

  validateHost(host, input)
  return {host, scheme}
}

export function validateName(name: string, input = name): void {
  if (name.length === 0) throw invalid(input, 'the repository name is empty')
  if (name.length > NAME_MAX_LENGTH)
    throw invalid(input, `the repository name is longer than ${NAME_MAX_LENGTH} characters`)
  for (const component of name.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      const hint = /[A-Z]/.test(component) ? ' (repository names must be lowercase)' : ''
      throw invalid(input, `"${component}" is not a valid repository name component${hint}`)
    }
  }
}

/** Whether a repository name is one distribution accepts (for names a registry sends). */
export function isValidName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= NAME_MAX_LENGTH &&
    name.split('/').every((component) => PATH_COMPONENT.test(component))
  )
}

/** Whether a tag is one distribution accepts (for tags a registry sends). */
export const isValidTag = (tag: string): boolean => TAG.test(tag)

export function validateTag(tag: string, input = tag): void {
  if (!TAG.test(tag))
    throw invalid(input, `"${tag}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)`)
}

export function validateDigest(digest: string, input = digest): void {
  if (!DIGEST.test(digest)) throw invalid(input, `"${digest}" is not a valid digest (expected algorithm:hex)`)
  const [algorithm, hex] = digest.split(':') as [string, string]
  const expected = HEX_BY_ALGORITHM[algorithm]
  if (!expected) throw invalid(input, `unsupported digest algorithm "${algorithm}"`)
  if (!expected.test(hex)) throw invalid(input, `"${digest}" is not a valid ${algorithm} digest`)
}

/** Split `host/name…` into the registry and the rest, after the scheme; no host: the default registry. */
function splitHost(input: string, defaults: ReferenceDefaults): {scheme?: Scheme; host: string; remainder: string} {
  const {scheme, rest} = splitScheme(input.trim())
  const slash = rest.indexOf('/')
  if (slash < 0 || !looksLikeHost(rest.slice(0, slash), defaults)) {
    if (!defaults.defaultRegistry) {
      throw invalid(
        input,
        'no registry host, and no default registry is configured (write host/name, e.g. registry.example.org/team/app, or set default-registry in the config file: see registryctl config)',
      )
    }

    const host = resolveAlias(defaults.defaultRegistry, defaults)
    validateHost(host, input)
    return {scheme, host, remainder: rest}
  }

  const host = resolveAlias(rest.slice(0, slash), defaults)
  validateHost(host, input)
  return {scheme, host, remainder: rest.slice(slash + 1)}
}

/** Split `name[:suffix]` where the suffix is after the last `:` that follows the last `/`. */
function splitNameSuffix(remainder: string): {name: string; suffix?: string} {
  const lastSlash = remainder.lastIndexOf('/')
  const colon = remainder.indexOf(':', lastSlash + 1)
  if (colon < 0) return {name: remainder}
  return {name: remainder.slice(0, colon), suffix: remainder.slice(colon + 1)}
}

/**
 * Parse `host[:port]/name[:tag][@digest]`. With both tag and digest the digest wins for fetching, as
 * in docker; the tag is kept for display.
 */
export function parseImageReference(
  input: string,
  options: {require?: 'tag-or-digest' | 'digest'; defaults?: ReferenceDefaults} = {},
): ImageReference {
  const {scheme, host, remainder} = splitHost(input, options.defaults ?? configuredDefaults)
  let rest = remainder
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    validateDigest(digest, input)
  }

  const {name, suffix: tag} = splitNameSuffix(rest)
  validateName(name, input)
  if (tag !== undefined) validateTag(tag, input)
  if (options.require === 'digest' && !digest) throw invalid(input, 'expected a digest: host/name@sha256:…')
  if (options.require === 'tag-or-digest' && !digest && !tag)
    throw invalid(input, 'expected a tag or a digest: host/name:tag or host/name@sha256:…')
  return {scheme, host, name, tag, digest}
}

/** Parse `host[:port]/name[:GLOB]` for the commands that select tags by pattern. */
export function parseGlobReference(input: string, defaults: ReferenceDefaults = configuredDefaults): GlobReference {
  const {scheme, host, remainder} = splitHost(input, defaults)
  if (remainder.includes('@')) throw invalid(input, 'a digest cannot be combined with a tag pattern')
  const {name, suffix: pattern} = splitNameSuffix(remainder)
  validateName(name, input)
  if (pattern !== undefined && pattern.length === 0) throw invalid(input, 'the tag pattern after ":" is empty')
  return {scheme, host, name, pattern}
}

/** True for `algorithm:hex` (a digest), false for a tag (tags cannot contain ':'). */
export function isDigest(reference: string): boolean {
  return DIGEST.test(reference)
}

/** Format a reference back as `host/name:tag` or `host/name@digest` (no scheme). */
export function formatReference(reference: {host: string; name: string; tag?: string; digest?: string}): string {
  let text = `${reference.host}/${reference.name}`
  if (reference.tag) text += `:${reference.tag}`
  if (reference.digest) text += `@${reference.digest}`
  return text
}
