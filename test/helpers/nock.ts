import nock from 'nock'

import {Session, type SessionOptions} from '../../src/lib/registry/client.js'

export const REGISTRY = 'https://registry.test'
export const HOST = 'registry.test'

/** A session for nock tests: instant retries, no docker config from the machine running the tests. */
export function testSession(options: SessionOptions = {}): Session {
  return new Session({retryBaseMs: 1, retryMaxMs: 20, ignoreDockerConfig: true, ...options})
}

export function useNock(): void {
  before(() => nock.disableNetConnect())
  afterEach(() => {
    const pending = nock.pendingMocks()
    nock.cleanAll()
    if (pending.length > 0) throw new Error(`interceptors not used: ${pending.join(', ')}`)
  })
  after(() => nock.enableNetConnect())
}
