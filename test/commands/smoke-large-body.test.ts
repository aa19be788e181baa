/** Found by an adversarial hunt: smoke against a node that answers a huge body (a blob path, a misrouted download). */
import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {RUN} from '../helpers/cli.js'

const MB = 1 << 20

describe('smoke and huge bodies', () => {
  let server: Server
  let port: number
  let dir: string
  before(async () => {
    const chunk = Buffer.alloc(MB, 97)
    server = createServer((_request, response) => {
      response.writeHead(200, {'content-type': 'application/octet-stream'})
      let sent = 0
      const pump = () => {
        while (sent < 600) {
          sent++
          if (!response.write(chunk)) return void response.once('drain', pump)
        }

        response.end()
      }

      response.on('close', () => (sent = Number.POSITIVE_INFINITY))
      pump()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
    dir = await mkdtemp(join(tmpdir(), 'registryctl-smoke-'))
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await rm(dir, {recursive: true, force: true})
  })

  // A case that checks only the status used to buffer the whole body (600 MB: 1.3 GB of memory);
  // now none of it is kept, and a case that asserts on the body keeps its first 16 MB.
  it('a status-only case keeps memory bounded whatever the body size', async () => {
    const suite = join(dir, 'suite.yaml')
    await writeFile(suite, 'http://registry.example:\n- path: /v2/\n  assert_status: 200\n')
    const {code, stderr} = await new Promise<{code: number; stderr: string}>((resolve, reject) => {
      const child = spawn(
        '/usr/bin/time',
        ['-f', 'maxrss=%M', process.execPath, RUN, 'smoke', suite, '--hosts', `localhost:${port}`, '--timeout', '60'],
        {
          env: {
            ...process.env,
            DOCKER_CONFIG: '/nonexistent',
            REGISTRYCTL_CONFIG: '/nonexistent/c.yaml',
            REGISTRYCTL_SYSTEM_CONFIG: '/nonexistent/s.yaml',
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      )
      let text = ''
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()))
      child.on('error', reject)
      child.on('close', (exit) => resolve({code: exit ?? -1, stderr: text}))
    })
    assert.equal(code, 0, stderr)
    const kilobytes = Number(/maxrss=(\d+)/.exec(stderr)?.[1])
    assert.ok(kilobytes < 200 * 1024, `peak memory ${Math.round(kilobytes / 1024)} MB for a 600 MB body`)
  })
})
