import {strict as assert} from 'node:assert'

import * as library from '../../src/lib/index.js'

describe('library entry point', () => {
  it('exports the client, deletion planning, gc analysis and smoke runner for other code', () => {
    for (const name of [
      'Session',
      'RegistryClient',
      'Inventory',
      'planDeletion',
      'analyzeStore',
      'probeApiState',
      'SmokeRunner',
      'parseSuite',
      'expandHosts',
      'compareNodes',
      'runRegistrySuite',
      'parsePolicy',
      'gatherCleanupPlan',
      'executeCleanup',
      'resolveSettings',
      'connectionOptions',
      'proxyEnvironment',
      'walkRegistry',
      'storeCredentials',
      'eraseCredentials',
      'verifyCredentials',
      'ContentCache',
      'RecoveryRecord',
      'readRecords',
      'planRestore',
      'executeRestore',
      'resolveReferences',
      'forEachReference',
    ]) {
      assert.equal(typeof (library as Record<string, unknown>)[name], 'function', name)
    }
  })

  it('exports the homepage build', () => {
    assert.equal(typeof library.buildHomepage, 'function')
  })
})
