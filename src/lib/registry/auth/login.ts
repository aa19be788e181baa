/**
 * Verifying credentials before `login` stores them. A registry that asks for credentials at /v2/
 * checks them there. One whose /v2/ is open (nginx with open reads, per-realm passwords) only asks
 * where a realm protects something: a repository's reads (`restricted/…`), or pushes; the caller
 * names a repository for that. Credentials that were never asked for are not called verified.
 */
import type {RegistryClient} from '../client.js'
import {UsageError} from '../../errors.js'

export interface VerifyOptions {
  /** A repository whose reads (or, with push, pushes) the credentials are for. */
  repository?: string
  /** Verify push rights on the repository (opens a blob upload and cancels it at once). */
  push?: boolean
}

/** Throws UnauthorizedError when the registry rejects the credentials, UsageError when nothing asked for them. */
export async function verifyCredentials(
  client: RegistryClient,
  options: VerifyOptions = {},
): Promise<{verifiedBy: string}> {
  const base = await client.baseUrl()
  // After a request, a remembered challenge means the registry asked, and (no error) accepted.
  const asked = async () => (await client.session.auth.authorization(base, [])) !== undefined
  await client.ping()
  if (await asked()) return {verifiedBy: `GET /v2/ on ${client.host}`}
  if (options.repository) {
    await client.tags(options.repository, {missingIsEmpty: true})
    if (await asked()) return {verifiedBy: `reading ${options.repository} on ${client.host}`}
    if (options.push) {
      await client.probePush(options.repository)
      if (await asked())
        return {verifiedBy: `a push to ${options.repository} on ${client.host} (upload opened and cancelled)`}
    }
  }

  throw new UsageError(
    `cannot verify the credentials: ${client.host} did not ask for them (${options.repository ? `${options.repository} is open to ${options.push ? 'reads and pushes' : 'reads'}` : '/v2/ is open to anonymous reads'})`,
    {
      hint:
        options.repository && !options.push
          ? 'add --push to verify push credentials, or --no-verify'
          : 'name a repository they protect with --verify-repository NAME (and --push for push credentials), or --no-verify',
    },
  )
}
