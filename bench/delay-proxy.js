#!/usr/bin/env node
// A TCP proxy that puts a registry "in another data centre": every chunk is forwarded after a fixed
// one-way delay (half the round-trip time) in each direction, and each new connection first waits one
// round trip (TCP's handshake), so a client that opens connections pays for them as on a real network.
// No bandwidth limit: registry answers are small, latency is what a far registry costs.
// It runs as its own process (the benchmarks time their clients with spawnSync, which blocks their
// event loop): `node bench/delay-proxy.js TARGET_HOST:PORT RTT_MS` prints `listening HOST:PORT`.
// startDelayProxy() does that for a benchmark.
import {spawn} from 'node:child_process'
import {createServer, connect} from 'node:net'
import {fileURLToPath} from 'node:url'

/** Writes each chunk `delayMs` after it arrived, in order (timers of one duration fire in order). */
function delayed(from, to, delayMs) {
  from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), delayMs))
  from.on('end', () => setTimeout(() => to.end(), delayMs))
}

function serve(target, rttMs) {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))]
  const oneWay = rttMs / 2
  const server = createServer((client) => {
    client.setNoDelay(true)
    client.pause()
    // The handshake's round trip, before the first byte can go either way.
    setTimeout(() => {
      const upstream = connect({host, port}, () => {
        upstream.setNoDelay(true)
        delayed(client, upstream, oneWay)
        delayed(upstream, client, oneWay)
        client.resume()
      })
      const close = () => {
        client.destroy()
        upstream.destroy()
      }
      upstream.on('error', close)
      client.on('error', close)
      upstream.on('close', () => setTimeout(() => client.destroy(), oneWay))
      client.on('close', () => setTimeout(() => upstream.destroy(), oneWay))
    }, rttMs)
  })
  server.listen(0, '127.0.0.1', () => console.log(`listening 127.0.0.1:${server.address().port}`))
}

/** Starts the proxy in its own process: {host, url, stop}. */
export function startDelayProxy(target, rttMs) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), target, String(rttMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`delay proxy exited (${code})`)))
    let text = ''
    child.stdout.on('data', (chunk) => {
      text += chunk
      const match = /listening (\S+)/.exec(text)
      if (match)
        resolve({
          host: match[1],
          url: `http://${match[1]}`,
          stop: () => child.kill(),
        })
    })
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve(process.argv[2], Number(process.argv[3]))
