/** Mocha helpers around a real Debian docker-registry started for a suite. */
import {Session, type SessionOptions} from '../../src/lib/registry/client.js'
import {type RegistryProcessOptions, type RunningRegistry, startRegistry} from '../../src/sandbox/registry-process.js'

/** Start a registry before the suite and stop it after; the getter is valid inside tests. */
export function useRegistry(
  options: RegistryProcessOptions = {},
  seed?: (registry: RunningRegistry) => Promise<void>,
): () => RunningRegistry {
  let registry: RunningRegistry | undefined
  before(async function () {
    this.timeout(120_000)
    registry = await startRegistry(options)
    if (seed) await seed(registry)
  })
  after(async () => {
    await registry?.stop()
  })
  return () => {
    if (!registry) throw new Error('registry not started')
    return registry
  }
}

export function localSession(options: SessionOptions = {}): Session {
  return new Session({ignoreDockerConfig: true, retryBaseMs: 10, ...options})
}
