/**
 * A small forward proxy on loopback, as a build host's squid would be: CONNECT tunnels (https, or
 * anything) and absolute-form requests (`GET http://host:port/path`, plain http). It records each
 * tunnel's and request's target and the Proxy-Authorization it carried, and can require Basic
 * credentials (407 without them). What goes through a tunnel is not read: it is TLS.
 */
import {createServer, request as httpRequest, type Server} from 'node:http'
import {connect, type AddressInfo, type Socket} from 'node:net'

export interface ProxyRecord {
  kind: 'tunnel' | 'forward'
  /** host:port the client asked for. */
  target: string
  method: string
  /** The Proxy-Authorization header as sent, or undefined. */
  proxyAuthorization?: string
  /** Forwarded requests only: the Authorization header the client meant for the registry. */
  authorization?: string
}

export interface ForwardProxy {
  /** `http://127.0.0.1:PORT` (with the credentials, when required). */
  url: string
  port: number
  records: ProxyRecord[]
  /** Targets seen (tunnels and forwarded requests), each once. */
  targets(): string[]
  reset(): void
  stop(): Promise<void>
}

export async function startForwardProxy(
  options: {auth?: {username: string; password: string}} = {},
): Promise<ForwardProxy> {
  const records: ProxyRecord[] = []
  const expected = options.auth
    ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`
    : undefined
  const sockets = new Set<Socket>()
  const server: Server = createServer((request, response) => {
    const proxyAuthorization = request.headers['proxy-authorization']
    let target: URL
    try {
      target = new URL(request.url ?? '')
    } catch {
      response.writeHead(400).end('absolute-form requests only\n')
      return
    }

    records.push({
      kind: 'forward',
      target: target.host.includes(':') ? target.host : `${target.host}:80`,
      method: request.method ?? 'GET',
      proxyAuthorization,
      authorization: request.headers.authorization,
    })
    if (expected && proxyAuthorization !== expected) {
      response.writeHead(407, {'proxy-authenticate': 'Basic realm="proxy"'}).end()
      return
    }

    // Hop-by-hop: the proxy's credentials stop here, as with any proxy.
    const headers = {...request.headers}
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = httpRequest(
      {
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || 80,
        method: request.method,
        path: `${target.pathname}${target.search}`,
        headers,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.on('error', () => {
      if (!response.headersSent) response.writeHead(502).end('bad gateway\n')
      else response.destroy()
    })
    request.pipe(upstream)
  })
  server.on('connect', (request, client: Socket, head: Buffer) => {
    const proxyAuthorization = request.headers['proxy-authorization']
    const target = request.url ?? ''
    records.push({kind: 'tunnel', target, method: 'CONNECT', proxyAuthorization})
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    if (expected && proxyAuthorization !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n')
      return
    }

    const {hostname, port} = new URL(`http://${target}`)
    const upstream = connect({host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 443)})
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => {
      if (upstream.connecting) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      else client.destroy()
    })
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  const userinfo = options.auth
    ? `${encodeURIComponent(options.auth.username)}:${encodeURIComponent(options.auth.password)}@`
    : ''
  return {
    url: `http://${userinfo}127.0.0.1:${port}`,
    port,
    records,
    targets: () => [...new Set(records.map((record) => record.target))],
    reset: () => records.splice(0),
    async stop() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
