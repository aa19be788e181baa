// node bench/floor/sequence.js BASE HOST PATH...: GET each path in order over one connection with
// the given Host header, as a smoke run does on one node.
import {floorClient} from './client.js'

const [base, host, ...paths] = process.argv.slice(2)
const client = floorClient(base, 1)
let answered = 0
for (const path of paths) {
  const {status} = await client.request('GET', path, {host})
  if (status > 0) answered++
}

process.stdout.write(`${answered} answered\n`)
client.close()
