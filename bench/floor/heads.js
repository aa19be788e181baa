// node bench/floor/heads.js BASE NAME: the tag list, then a HEAD for every tag, 8 at a time.
import {mapConcurrent} from '../../dist/lib/concurrency.js'
import {ACCEPT, floorClient} from './client.js'

const [base, name] = process.argv.slice(2)
const client = floorClient(base, 8)
const {tags} = JSON.parse((await client.request('GET', `/v2/${name}/tags/list`)).body)
const digests = new Set()
await mapConcurrent(tags, 8, async (tag) => {
  digests.add(
    (await client.request('HEAD', `/v2/${name}/manifests/${tag}`, {accept: ACCEPT})).headers['docker-content-digest'],
  )
})
process.stdout.write(`${tags.length} tags, ${digests.size} digests\n`)
client.close()
