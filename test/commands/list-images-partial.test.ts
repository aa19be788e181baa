/** Found by an adversarial hunt: the line list-images prints for a partial listing, and its real exit code. */
import {strict as assert} from 'node:assert'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

import {ExitCode} from '../../src/lib/errors.js'
import {runCli} from '../helpers/cli.js'

describe('list-images partial listing line', () => {
  let server: Server
  let host: string
  before(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        response.writeHead(status, {'content-type': 'application/json', ...headers}).end(JSON.stringify(body))
      if (path === '/v2/') return json(200, {})
      if (path === '/v2/_catalog') return json(200, {repositories: ['open/app', 'restricted/app']})
      if (path === '/v2/open/app/tags/list') return json(200, {name: 'open/app', tags: ['1.0']})
      if (path === '/v2/restricted/app/tags/list')
        return json(
          401,
          {errors: [{code: 'UNAUTHORIZED', message: 'no'}]},
          {'www-authenticate': 'Basic realm="restricted"'},
        )
      return json(404, {errors: [{code: 'MANIFEST_UNKNOWN', message: 'no'}]})
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    host = `localhost:${(server.address() as AddressInfo).port}`
  })
  after(async () => new Promise<void>((resolve) => server.close(() => resolve())))

  // Fixed defect, as found: src/cli/render/format.ts:106 says "(exit code 13)" (13 is OVER_LIMIT) while list-images exits
  // ExitCode.LISTING_PARTIAL, 15 (src/commands/list-images.ts:47; README says 15). Fix: interpolate
  // ExitCode.LISTING_PARTIAL in the line (and update test/integration/nginx-basic-auth.test.ts:69).
  it('names the exit code it really ends with', async () => {
    const {code, stderr} = await runCli(['list-images', host, '--sort', 'name'])
    assert.equal(code, ExitCode.LISTING_PARTIAL)
    assert.match(stderr, /not listed: restricted\/app: authentication required \(401\)/)
    assert.match(stderr, new RegExp(`\\(exit code ${ExitCode.LISTING_PARTIAL}\\)`))
  })
})
