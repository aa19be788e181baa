// node bench/floor/list.js BASE: the catalog, then every tag list, 8 at a time; the listing printed.
import {mapConcurrent} from '../../dist/lib/concurrency.js'
import {floorClient} from './client.js'

const client = floorClient(process.argv[2], 8)
const names = JSON.parse((await client.request('GET', '/v2/_catalog?n=1000')).body).repositories
const lines = []
await mapConcurrent(names, 8, async (name, index) => {
  const {tags} = JSON.parse((await client.request('GET', `/v2/${name}/tags/list?n=1000`)).body)
  lines[index] = `${name}:\n${(tags ?? [])
    .sort()
    .map((tag) => `  - ${tag}`)
    .join('\n')}`
})
process.stdout.write(`${lines.join('\n')}\n`)
client.close()
