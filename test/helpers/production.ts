/**
 * A registry in Wikimedia's production shape, for the consistency tests that run every command the
 * same way: distribution seeded with the samples (restricted/secret-app included), nginx in front
 * with TLS and the Basic-auth realms, and a second nginx as the read-only front of the same registry.
 * One fixture for every behaviour, so a behaviour is checked against the same registry for every
 * command.
 */
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {seedSamples} from '../../src/sandbox/seed.js'
import {type RunningNginx, startNginx, USERS} from './nginx.js'
import {localSession, useRegistry} from './registry.js'
import {useTempDir} from './tmp.js'

export {USERS}

export interface Production {
  /** The registry itself, plain HTTP on loopback (what a node's own port is). */
  direct: string
  /** nginx with TLS and the realms: reads open, writes and restricted/ behind Basic auth. */
  front: string
  /** nginx denying every write with 403 before authentication (read-only maintenance). */
  readOnlyFront: string
  /** The CA both fronts' certificates chain to. */
  caFile: string
  /** A folder for this suite's files (docker configs, policies, outputs). */
  dir: string
  /** A DOCKER_CONFIG folder whose config.json holds these credentials for `host`. */
  dockerConfig(host: string, user: {username: string; password: string}): Promise<string>
}

/** Start the production shape before the suite and stop it after; the getter is valid inside tests. */
export function useProduction(): () => Production {
  const registry = useRegistry({}, (running) => seedSamples(localSession().client({host: running.host})))
  const dir = useTempDir('production')
  let front: RunningNginx | undefined
  let readOnlyFront: RunningNginx | undefined
  let caFile = ''
  let configs = 0
  before(async function () {
    this.timeout(60_000)
    front = await startNginx(registry().host)
    readOnlyFront = await startNginx(registry().host, {readOnly: true})
    // Each front has its own CA: one file trusts both, as a build host's CA bundle would.
    caFile = join(dir(), 'ca.pem')
    const pems = await Promise.all([front, readOnlyFront].map((nginx) => readFile(nginx.pki.caCert, 'utf8')))
    await writeFile(caFile, pems.join('\n'))
  })
  after(async () => {
    await front?.stop()
    await readOnlyFront?.stop()
  })
  return () => {
    if (!front || !readOnlyFront) throw new Error('production fixture not started')
    return {
      direct: registry().host,
      front: front.host,
      readOnlyFront: readOnlyFront.host,
      caFile,
      dir: dir(),
      async dockerConfig(host, user) {
        const folder = join(dir(), `docker-config-${++configs}`)
        await mkdir(folder, {recursive: true})
        const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64')
        await writeFile(join(folder, 'config.json'), JSON.stringify({auths: {[host]: {auth}}}))
        return folder
      },
    }
  }
}
