/**
 * nginx in front of a registry, in the shape of Wikimedia's production registry: TLS, GET/HEAD open,
 * writes behind Basic auth realm "docker-registry (regular-push)", and under /v2/restricted/ reads
 * behind "docker-registry restricted (restricted-read)" and writes behind "(restricted-push)".
 * Read-only mode denies every write with 403.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort, stopProcess} from '../../src/sandbox/registry-process.js'
import {htpasswdLine, makePki, type Pki} from './tls.js'

export const USERS = {
  push: {username: 'ci-push', password: 'push-secret-1'},
  restrictedRead: {username: 'k8s-read', password: 'read-secret-2'},
  restrictedPush: {username: 'restricted-ci', password: 'rpush-secret-3'},
}

export interface RunningNginx {
  host: string
  port: number
  pki: Pki
  stop(): Promise<void>
}

export async function startNginx(
  upstream: string,
  options: {readOnly?: boolean; serverNames?: string[]; listen?: string[]} = {},
): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'registryctl-nginx-'))
  // nginx's workers run as an unprivileged user: they must read the htpasswd files.
  chmodSync(dir, 0o755)
  const pki = makePki(options.serverNames ?? ['127.0.0.1', 'localhost'])
  const port = await freePort()
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content)
    return join(dir, name)
  }

  const pushUsers = file('regular-push.htpasswd', `${htpasswdLine(USERS.push.username, USERS.push.password)}\n`)
  const readUsers = file(
    'restricted-read.htpasswd',
    [USERS.restrictedRead, USERS.restrictedPush].map((u) => htpasswdLine(u.username, u.password)).join('\n') + '\n',
  )
  const restrictedPushUsers = file(
    'restricted-push.htpasswd',
    `${htpasswdLine(USERS.restrictedPush.username, USERS.restrictedPush.password)}\n`,
  )
  const proxy = `
      proxy_pass http://${upstream};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_read_timeout 900;`
  const writes = (realm: string, users: string) =>
    options.readOnly
      ? 'limit_except GET HEAD { deny all; }'
      : `limit_except GET HEAD { auth_basic "${realm}"; auth_basic_user_file ${users}; }`
  const config = file(
    'nginx.conf',
    `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    ${(options.listen ?? ['127.0.0.1']).map((address) => `listen ${address}:${port} ssl;`).join('\n    ')}
    server_name ${(options.serverNames ?? ['localhost'])[0]};
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    client_max_body_size 0;
    chunked_transfer_encoding on;
    location = /v2 { return 301 /v2/; }
    location = /v2/_catalog {
      ${proxy}
      add_header Cache-Control "public,s-maxage=600,max-age=600" always;
    }
    location /v2/restricted/ {
      auth_basic "docker-registry restricted (restricted-read)";
      auth_basic_user_file ${readUsers};
      ${writes('docker-registry restricted (restricted-push)', restrictedPushUsers)}
      ${proxy}
    }
    location /v2/ {
      ${writes('docker-registry (regular-push)', pushUsers)}
      ${proxy}
    }
  }
}
`,
  )
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-c', config, '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let errors = ''
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  const stop = async () => {
    await stopProcess(child, 'SIGQUIT')
    await rm(dir, {recursive: true, force: true})
    await rm(pki.dir, {recursive: true, force: true})
  }

  // Ready when the port accepts TLS connections.
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${errors}`)
    try {
      await waitForListener(port)
      break
    } catch {
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`nginx did not start: ${errors}`)
      }

      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  return {host: `127.0.0.1:${port}`, port, pki, stop}
}

async function waitForListener(port: number): Promise<void> {
  const {connect} = await import('node:net')
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end()
      resolve()
    })
    socket.on('error', reject)
  })
}
