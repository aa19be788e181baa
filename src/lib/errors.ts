/**
 * Typed errors. Every error the library raises on purpose is a RegistryCtlError carrying the exit code
 * the CLI uses, so scripts can tell "nothing to connect to" from "not allowed" from "not there".
 * The table is documented in the README; keep the two in step.
 */
export const ExitCode = {
  OK: 0,
  /** A check did not pass (smoke assertions). */
  CHECK_FAILED: 1,
  /** Bad flags, invalid reference, glob, file or configuration. */
  USAGE: 2,
  /** DNS failure, refused or reset connection, timeout. */
  UNREACHABLE: 3,
  /** TLS handshake or certificate verification failed. */
  TLS: 4,
  /** 401: no credentials, or the ones tried were rejected. */
  UNAUTHORIZED: 5,
  /** 403 / DENIED: authenticated but not allowed. */
  DENIED: 6,
  /** 404: repository, tag, manifest or blob unknown. */
  NOT_FOUND: 7,
  /** The registry refuses the operation by configuration: deletes disabled, read-only mode (or a front denying every write). */
  UNSUPPORTED: 8,
  /** The registry misbehaved: 5xx after retries, 429 after retries, malformed answers, digest mismatch. */
  REGISTRY: 9,
  /** Deletion: a planned tag is still in place: its deletion failed, is unknown, or it moved ([CHANGED]). */
  PARTIAL: 10,
  /** Deletion: not confirmed (answered no, or no TTY and no --yes). */
  ABORTED: 11,
  /** Deletion: the plan was blocked by the sibling policy. */
  BLOCKED: 12,
  /** Cleanup: the plan removes more tags than --max-delete (or a rule's max-delete) allows; nothing deleted. */
  OVER_LIMIT: 13,
  /** Cleanup: another cleanup of the same registry holds the lock on this host. */
  LOCKED: 14,
  /** Interrupted (SIGINT/SIGTERM): deletions in flight finished, none started after; see the report. */
  INTERRUPTED: 130,
  /** Partial access: a walk over the registry could not read some repositories (401/403); the rest was done. */
  LISTING_PARTIAL: 15,
  /** A bug: an error nobody anticipated. */
  INTERNAL: 70,
  /** Standard output or the journal could not be written (a full disk, a device error); a deletion stops as on SIGINT. */
  OUTPUT: 74,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export class RegistryCtlError extends Error {
  readonly exitCode: ExitCodeValue
  /** A one-line hint printed after the message (e.g. which flag to try). */
  readonly hint?: string

  constructor(message: string, exitCode: ExitCodeValue, options: {cause?: unknown; hint?: string} = {}) {
    super(message, {cause: options.cause})
    this.name = new.target.name
    this.exitCode = exitCode
    this.hint = options.hint
  }
}

export class UsageError extends RegistryCtlError {
  constructor(message: string, options: {cause?: unknown; hint?: string} = {}) {
    super(message, ExitCode.USAGE, options)
  }
}

export class InvalidReferenceError extends UsageError {}

export class UnreachableError extends RegistryCtlError {
  constructor(message: string, options: {cause?: unknown; hint?: string} = {}) {
    super(message, ExitCode.UNREACHABLE, options)
  }
}

export class TlsError extends RegistryCtlError {
  constructor(message: string, options: {cause?: unknown; hint?: string} = {}) {
    super(message, ExitCode.TLS, options)
  }
}

/** One entry of the distribution spec's error body: {"errors":[{"code","message","detail"}]}. */
export interface RegistryErrorEntry {
  code: string
  message?: string
  detail?: unknown
}

/** An error answer from the registry, with the HTTP status and the spec's error codes when it sent them. */
export class RegistryResponseError extends RegistryCtlError {
  readonly status: number
  readonly codes: string[]
  readonly url: string
  /** For a 401: the realm of the registry's challenge, when it named one. */
  readonly realm?: string

  constructor(
    message: string,
    exitCode: ExitCodeValue,
    details: {status: number; codes: string[]; url: string; realm?: string},
    options: {cause?: unknown; hint?: string} = {},
  ) {
    super(message, exitCode, options)
    this.status = details.status
    this.codes = details.codes
    this.url = details.url
    if (details.realm !== undefined) this.realm = details.realm
  }

  has(code: string): boolean {
    return this.codes.includes(code)
  }
}

export class UnauthorizedError extends RegistryResponseError {}
export class DeniedError extends RegistryResponseError {}
export class NotFoundError extends RegistryResponseError {}
export class UnsupportedError extends RegistryResponseError {}
export class ServerError extends RegistryResponseError {}

/** The registry answered something we could not make sense of (bad JSON, digest mismatch, loops). */
export class ProtocolError extends RegistryCtlError {
  constructor(message: string, options: {cause?: unknown; hint?: string} = {}) {
    super(message, ExitCode.REGISTRY, options)
  }
}

/**
 * An answer that arrived damaged: JSON that does not parse, content that does not hash to its digest.
 * Reads are asked again (a proxy or a connection may have mangled it) before this is final.
 */
export class CorruptAnswerError extends ProtocolError {}

export function isRegistryCtlError(error: unknown): error is RegistryCtlError {
  return error instanceof RegistryCtlError
}

/** Standard output or the journal could not be written during a run; the run stopped and said so. */
export class OutputError extends RegistryCtlError {
  constructor(message: string, options: {cause?: unknown; hint?: string} = {}) {
    super(message, ExitCode.OUTPUT, options)
  }
}

/** A request that was not sent because the operation was interrupted (its AbortSignal fired). */
export class InterruptedError extends RegistryCtlError {
  constructor(message = 'interrupted', options: {cause?: unknown; hint?: string} = {}) {
    super(message, ExitCode.INTERRUPTED, options)
  }
}
