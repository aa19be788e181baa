/**
 * A single-node OpenStack Swift ("Swift all in one") on free loopback ports, in a temporary folder, for
 * tests and benchmarks: memcached, the account, container and object servers (one device, one
 * replica) and a proxy with tempauth (user test:tester, key testing) and s3api, so the same server is
 * a Swift endpoint and a path-style S3 endpoint (access key test:tester, secret testing, us-east-1).
 * Debian 12 packages: swift swift-proxy swift-object swift-container swift-account memcached.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {closeSync, openSync, readFileSync} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

import {freePort, stopProcess} from './registry-process.js'

export const SWIFT_USER = 'test:tester'
export const SWIFT_KEY = 'key-5e3a9c-not-in-output'

export interface RunningSwift {
  /** tempauth v1 URL: http://127.0.0.1:PORT/auth/v1.0 */
  authUrl: string
  /** The proxy's origin, also the S3 endpoint. */
  endpoint: string
  /** http://127.0.0.1:PORT/v1/AUTH_test */
  storageUrl: string
  dir: string
  token(): Promise<string>
  /** Creates a container (an S3 bucket too). */
  createContainer(name: string): Promise<void>
  stop(): Promise<void>
}

function serverConfig(dir: string, port: number, name: string): string {
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
user = ${userInfo().username}
swift_dir = ${dir}/etc
devices = ${dir}/srv
mount_check = false
disable_fallocate = true
log_name = ${name}-server
log_level = WARNING
recon_cache_path = ${dir}/cache
[pipeline:main]
pipeline = ${name}-server
[app:${name}-server]
use = egg:swift#${name}
`
}

function proxyConfig(dir: string, port: number, memcachedPort: number): string {
  const filters = [
    'catch_errors',
    'gatekeeper',
    'healthcheck',
    'listing_formats',
    'bulk',
    'tempurl',
    'ratelimit',
    'copy',
    'slo',
    'dlo',
    'versioned_writes',
    'symlink',
  ]
  return `[DEFAULT]
bind_ip = 127.0.0.1
bind_port = ${port}
workers = 0
user = ${userInfo().username}
swift_dir = ${dir}/etc
log_name = proxy-server
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit s3api tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = ${SWIFT_KEY} .admin

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
dns_compliant_bucket_names = true
allow_multipart_uploads = true
max_bucket_listing = 1000

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${memcachedPort}

[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:container-quotas]
use = egg:swift#container_quotas
[filter:account-quotas]
use = egg:swift#account_quotas
${filters.map((filter) => `[filter:${filter}]\nuse = egg:swift#${filter}\n`).join('')}`
}

// One Python process builds the three rings (nine swift-ring-builder runs cost seconds of start-up).
const RINGS = `
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for name, port in zip(("account", "container", "object"), map(int, sys.argv[2:5])):
    b = RingBuilder(6, 1, 1)
    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": port, "replication_ip": "127.0.0.1",
               "replication_port": port, "device": "d1", "weight": 100, "meta": ""})
    b.rebalance()
    b.get_ring().save("%s/%s.ring.gz" % (etc, name))
`

export async function startSwift(options: {timeoutMs?: number} = {}): Promise<RunningSwift> {
  const dir = await mkdtemp(join(tmpdir(), 'registryctl-swift-'))
  const [proxy, object, container, account, memcached] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ]
  await Promise.all([
    mkdir(join(dir, 'etc')),
    mkdir(join(dir, 'srv', 'd1'), {recursive: true}),
    mkdir(join(dir, 'cache')),
    mkdir(join(dir, 'log')),
  ])
  await writeFile(join(dir, 'etc', 'account-server.conf'), serverConfig(dir, account!, 'account'))
  await writeFile(join(dir, 'etc', 'container-server.conf'), serverConfig(dir, container!, 'container'))
  await writeFile(join(dir, 'etc', 'object-server.conf'), serverConfig(dir, object!, 'object'))
  await writeFile(join(dir, 'etc', 'proxy-server.conf'), proxyConfig(dir, proxy!, memcached!))
  const rings = spawnSync(
    '/usr/bin/python3',
    ['-c', RINGS, join(dir, 'etc'), String(account), String(container), String(object)],
    {encoding: 'utf8'},
  )
  if (rings.status !== 0) {
    await rm(dir, {recursive: true, force: true})
    throw new Error(
      `cannot build Swift rings (apt-get install swift swift-proxy swift-object swift-container swift-account memcached): ${rings.stderr || rings.error?.message}`,
    )
  }

  const children: ChildProcess[] = []
  const logOf = (name: string) => join(dir, 'log', `${name}.log`)
  const run = (name: string, command: string, args: string[]) => {
    const log = openSync(logOf(name), 'a')
    const child = spawn(command, args, {stdio: ['ignore', log, log]})
    closeSync(log)
    child.on('error', () => undefined)
    children.push(child)
    return child
  }

  const stop = async () => {
    await Promise.all(children.map((child) => stopProcess(child, 'SIGTERM')))
    await rm(dir, {recursive: true, force: true})
  }

  const endpoint = `http://127.0.0.1:${proxy}`
  try {
    run('memcached', 'memcached', [
      '-l',
      '127.0.0.1',
      '-p',
      String(memcached),
      '-U',
      '0',
      '-m',
      '64',
      ...(process.getuid?.() === 0 ? ['-u', 'root'] : []),
    ])
    for (const name of ['account', 'container', 'object', 'proxy'])
      run(name, `swift-${name}-server`, [join(dir, 'etc', `${name}-server.conf`)])
    const deadline = Date.now() + (options.timeoutMs ?? 60_000)
    for (;;) {
      const dead = children.find((child) => child.exitCode !== null)
      if (dead) throw new Error(`a Swift process exited with ${dead.exitCode}: ${readLog(logOf('proxy'))}`)
      try {
        const response = await fetch(`${endpoint}/healthcheck`)
        // The proxy answers before the servers behind it listen: each must answer too.

        await Promise.all([account, container, object].map((port) => fetch(`http://127.0.0.1:${port}/`)))

        if (response.status === 200 && (await probeAuth(endpoint))) break
      } catch {
        // not listening yet
      }

      if (Date.now() > deadline)
        throw new Error(`Swift did not answer on ${endpoint} in time: ${readLog(logOf('proxy'))}`)

      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  } catch (error) {
    await stop()
    throw error
  }

  const token = async () => {
    const response = await fetch(`${endpoint}/auth/v1.0`, {
      headers: {'x-auth-user': SWIFT_USER, 'x-auth-key': SWIFT_KEY},
    })
    const value = response.headers.get('x-auth-token')
    if (!value) throw new Error(`tempauth answered ${response.status} without a token`)
    return value
  }

  const storageUrl = `${endpoint}/v1/AUTH_test`
  return {
    authUrl: `${endpoint}/auth/v1.0`,
    endpoint,
    storageUrl,
    dir,
    token,
    async createContainer(name: string) {
      let status = 0
      for (let attempt = 0; attempt < 20; attempt++) {
        status = (await fetch(`${storageUrl}/${name}`, {method: 'PUT', headers: {'x-auth-token': await token()}}))
          .status
        if (status < 300) return

        await new Promise((resolve) => setTimeout(resolve, 250))
      }

      throw new Error(`PUT container ${name} answered ${status}`)
    },
    stop,
  }
}

/** tempauth needs memcached and the account server: ready when it hands out a token. */
async function probeAuth(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/auth/v1.0`, {headers: {'x-auth-user': SWIFT_USER, 'x-auth-key': SWIFT_KEY}})
  return response.status === 200
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(-2000)
  } catch {
    return ''
  }
}
