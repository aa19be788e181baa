/**
 * The one connection setup: a registry's effective settings (flags, environment, settings files,
 * docker's certs.d, $SSL_CERT_FILE) and the proxy variables become the options of every transport
 * that talks to it, whatever the command: sessions, smoke's node checks, homepage's anonymous reads.
 */
import {proxyEnvironment} from './proxy.js'
import type {EffectiveSettings} from './settings.js'
import type {TransportOptions} from './transport.js'

export type ConnectionOptions = Pick<
  TransportOptions,
  'insecure' | 'caFile' | 'caFiles' | 'timeoutMs' | 'retries' | 'proxy' | 'userAgent' | 'debug'
> & {concurrency: number}

/** The settings key of the registry a URL talks to: `host[:port]`, the port only when not the scheme's. */
export function registryKeyOf(url: string | URL): string {
  return new URL(url).host
}

/** Transport options for one registry from its effective settings and the environment's proxies. */
export function connectionOptions(
  settings: EffectiveSettings,
  extra: Pick<TransportOptions, 'userAgent' | 'debug'> = {},
  env: NodeJS.ProcessEnv = process.env,
): ConnectionOptions {
  return {
    insecure: settings.insecure,
    caFile: settings.caFile,
    caFiles: settings.extraCaFiles,
    timeoutMs: settings.timeout * 1000,
    retries: settings.retries,
    concurrency: settings.concurrency,
    proxy: proxyEnvironment(env),
    ...extra,
  }
}
