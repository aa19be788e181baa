/** gc status must not report a registry it could not check as healthy. */
import {strict as assert} from 'node:assert'

import {ExitCode} from '../../src/lib/errors.js'
import {type FaultProxy, startFaultProxy} from '../helpers/fault-proxy.js'
import {runCli} from '../helpers/cli.js'
import {useRegistry} from '../helpers/registry.js'
import {assertOneLineError} from './list-images.test.js'

describe('gc status when a probe cannot answer @integration', () => {
  const registry = useRegistry()
  let proxy: FaultProxy | undefined
  afterEach(async () => proxy?.stop())

  it('a catalog that keeps failing (503): verdict unknown, exit 9, one line on stderr', async () => {
    proxy = await startFaultProxy({
      target: registry().url,
      rate: 0,
      force: (_method, path) => (path.startsWith('/v2/_catalog') ? '503' : null),
    })
    const {code, stdout, stderr} = await runCli(['gc', 'status', proxy.host, '--retries', '1'])
    assert.match(stdout, /catalog: +unreachable: .*503/)
    assert.equal(code, ExitCode.REGISTRY, stderr)
    assertOneLineError(stderr, /the catalog probe could not answer, so the registry's state is unknown/)
  })

  it('a write probe whose connection is reset: writes unknown, exit 3', async () => {
    proxy = await startFaultProxy({
      target: registry().url,
      rate: 0,
      force: (method) => (method === 'POST' ? 'reset' : null),
    })
    const {code, stdout, stderr} = await runCli(['gc', 'status', proxy.host, '--retries', '1'])
    assert.match(stdout, /writes: +unknown/)
    assert.match(stdout, /deletes: +enabled/)
    assert.equal(code, ExitCode.UNREACHABLE, stderr)
    assertOneLineError(stderr, /the writes probe could not answer/)
  })

  it('every probe answered: exit 0', async () => {
    const {code, stderr} = await runCli(['gc', 'status', registry().host])
    assert.equal(code, 0, stderr)
  })
})
