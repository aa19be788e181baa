// The floor of any Node client, for the bench: the same requests as curl sends, through node:http on
// a keep-alive agent and nothing else (no framework, no auth, no checks; the fan-out is the
// project's own plain loop, dist/lib/concurrency.js). registryctl's figures
// against it show what is registryctl's own and what is Node's (its start-up, its HTTP client's CPU,
// taken from the registry on a two-core machine).
import http from 'node:http'

export const ACCEPT =
  'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json'

/** A client for one http://host:port with `sockets` keep-alive connections. */
export function floorClient(base, sockets) {
  const {hostname, port} = new URL(base)
  const agent = new http.Agent({keepAlive: true, maxSockets: sockets})
  const request = (method, path, headers = {}) =>
    new Promise((resolve, reject) => {
      http
        .request({method, hostname, port, path, agent, headers}, (response) => {
          const chunks = []
          response.on('data', (chunk) => chunks.push(chunk))
          response.on('end', () =>
            resolve({status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks)}),
          )
        })
        .on('error', reject)
        .end()
    })
  return {request, close: () => agent.destroy()}
}
