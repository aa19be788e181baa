/**
 * The registry suite: what every node of a registry must answer, with no YAML to write.
 *  - /v2/ carries Docker-Distribution-Api-Version: registry/2.0 (200, or 401 on registries that
 *    require auth for everything);
 *  - the catalog answers;
 *  - a missing manifest is 404 with MANIFEST_UNKNOWN;
 *  - an anonymous write is refused with 401 and a realm (or, told the registry is open, accepted;
 *    the upload is then cancelled; or, told it is read-only, refused with 403, 405 or 503);
 *  - with an image: the tag resolves, and its config blob downloads with the right digest and length.
 */
import pLimit from 'p-limit'

import {Session} from '../registry/client.js'
import {isRegistryCtlError} from '../errors.js'
import {MANIFEST_ACCEPT} from '../registry/manifests.js'
import type {ImageReference} from '../registry/reference.js'
import {registryKeyOf} from '../registry/connection.js'
import {splitHost} from './hosts.js'
import {type CaseResult, type CleanUp, type HostResult, type SmokeOptions, SmokeRunner, summarize} from './runner.js'
import type {TestCase} from './suite.js'

export interface RegistrySuiteOptions extends SmokeOptions {
  /** The service name (Host header, TLS server name); default: each host under its own name. */
  name?: string
  scheme?: 'http' | 'https'
  /** Anonymous writes are expected to succeed. */
  open?: boolean
  /**
   * The registry is in read-only maintenance: writes are refused by nginx (403) or by distribution
   * (405), or the node is drained (503).
   */
  readOnly?: boolean
  image?: Pick<ImageReference, 'name' | 'tag' | 'digest'>
}

const SUITE = 'registry-suite'

export function registrySuiteCases(options: RegistrySuiteOptions & {name: string}): TestCase[] {
  const scheme = options.scheme ?? 'https'
  const repository = options.image?.name ?? 'registryctl-probe/smoke'
  const base = {file: SUITE, scheme, name: options.name, method: 'GET', requestHeaders: {}} as const
  return [
    {...base, line: 1, path: '/v2/', assertHeaders: {'Docker-Distribution-Api-Version': 'registry/2.0'}},
    {...base, line: 2, path: '/v2/_catalog?n=1', assertStatus: 200, assertBodyContains: '"repositories"'},
    {
      ...base,
      line: 3,
      path: `/v2/${repository}/manifests/sha256:${'0'.repeat(64)}`,
      requestHeaders: {accept: MANIFEST_ACCEPT},
      assertStatus: 404,
      assertBodyContains: 'MANIFEST_UNKNOWN',
    },
    options.readOnly
      ? {...base, line: 4, method: 'POST', path: `/v2/${repository}/blobs/uploads/`, assertStatusOneOf: [403, 405, 503]}
      : options.open
        ? {...base, line: 4, method: 'POST', path: `/v2/${repository}/blobs/uploads/`, assertStatus: 202}
        : {
            ...base,
            line: 4,
            method: 'POST',
            path: `/v2/${repository}/blobs/uploads/`,
            assertStatus: 401,
            assertHeadersRegex: {'WWW-Authenticate': /realm="?[^",]+/i},
          },
  ]
}

/**
 * An upload the write probe managed to open is cancelled at once. Distribution then keeps only the
 * upload's hash state under `_uploads/<uuid>` (no data, no repository in the catalog).
 */
const cancelOpenedUpload: CleanUp = async (response, send) => {
  const location = response.headers.location
  if (response.status === 202 && typeof location === 'string') await send(location, 'DELETE')
}

/** The image check, through the registry client: resolve, fetch the config, verify digest and length. */
async function checkImage(
  runner: SmokeRunner,
  options: RegistrySuiteOptions & {name: string},
  host: string,
): Promise<CaseResult> {
  const image = options.image!
  const scheme = options.scheme ?? 'https'
  const {port = scheme === 'https' ? (options.httpsPort ?? 443) : (options.httpPort ?? 80)} = splitHost(host)
  const name = splitHost(options.name).hostname
  const address = {host: `${name.includes(':') ? `[${name}]` : name}:${port}`, scheme}
  // The same connection as the suite's cases (the registry's settings, the proxy, the node), with
  // the client's retries for reads.
  const connection = runner.nodeConnection(registryKeyOf(`${scheme}://${address.host}`), host)
  const session = new Session({
    ...connection,
    retryStatusCodes: undefined,
    retryErrorCodes: undefined,
    ignoreDockerConfig: true,
  })
  const client = session.client(address)
  const reference = image.digest ?? image.tag ?? 'latest'
  const result: CaseResult = {
    file: SUITE,
    line: 5,
    url: `${scheme}://${name.includes(':') ? `[${name}]` : name}:${port}/v2/${image.name}/manifests/${reference}`,
    via: host,
    failures: [],
  }
  try {
    let {manifest} = await client.manifest(image.name, reference)
    // For an index, the first platform's image stands for it.
    if (manifest.kind === 'index' && manifest.manifests[0])
      manifest = (await client.manifest(image.name, manifest.manifests[0].digest)).manifest
    if (manifest.kind !== 'image') {
      result.failures.push({
        assertion: 'image config',
        expected: 'an image manifest',
        actual: 'an index without images',
      })
      return result
    }

    const descriptor = manifest.config
    // client.blob verifies the digest; the length is checked here.
    const blob = await client.blob(image.name, descriptor.digest)
    if (blob.length !== descriptor.size)
      result.failures.push({
        assertion: 'config blob length',
        expected: String(descriptor.size),
        actual: String(blob.length),
      })
  } catch (error) {
    if (!isRegistryCtlError(error)) throw error
    result.failures.push({
      assertion: 'image resolves and its config downloads intact',
      expected: 'success',
      actual: error.message,
    })
  }

  return result
}

export async function runRegistrySuite(hosts: string[], options: RegistrySuiteOptions): Promise<HostResult[]> {
  const runner = new SmokeRunner(options)
  const limit = pLimit(options.concurrency ?? 8)
  return Promise.all(
    hosts.map((host) =>
      limit(async () => {
        const named = {...options, name: options.name ?? host}
        const {cases: results} = await runner.runHost(registrySuiteCases(named), host, cancelOpenedUpload)

        if (options.image) results.push(await checkImage(runner, named, host))
        return summarize(host, results)
      }),
    ),
  )
}
