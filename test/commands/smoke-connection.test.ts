/**
 * smoke against nodes (--hosts) of a service (--server-name): a node that fails is named as the
 * operator gave it, with the address and port tried; the service name is not what failed.
 */
import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'

const SERVICE = 'registry.service.example'

describe('smoke: errors name the node', () => {
  for (const mode of ['--registry-suite', '--drift']) {
    it(`${mode}: a node that does not resolve is named, not the service`, async () => {
      const {code, stdout, stderr} = await runCli([
        'smoke',
        mode,
        '--server-name',
        SERVICE,
        '--hosts',
        'node1.invalid',
        '--scheme',
        'http',
      ])
      assert.equal(code, ExitCode.UNREACHABLE, stderr)
      assert.match(`${stdout}${stderr}`, /cannot resolve node node1\.invalid/)
      assert.doesNotMatch(`${stdout}${stderr}`, /cannot resolve registry host/)
    })

    it(`${mode}: a refused connection names the node as given and the address:port tried`, async () => {
      const {code, stdout, stderr} = await runCli([
        'smoke',
        mode,
        '--server-name',
        SERVICE,
        '--hosts',
        'localhost:1',
        '--scheme',
        'http',
      ])
      assert.equal(code, ExitCode.UNREACHABLE, stderr)
      assert.match(`${stdout}${stderr}`, /connection refused by node localhost:1 \((?:127\.0\.0\.1|\[::1\]):1, http\)/)
      assert.doesNotMatch(`${stdout}${stderr}`, new RegExp(`refused by ${SERVICE}`))
    })
  }
})
