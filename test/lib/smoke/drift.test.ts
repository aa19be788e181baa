import {strict as assert} from 'node:assert'

import nock from 'nock'

import {compareNodes} from '../../../src/lib/smoke/drift.js'
import {testSession, useNock} from '../../helpers/nock.js'

const digest = (char: string) => `sha256:${char.repeat(64)}`

/** A node answering the catalog, tag lists and HEADs for the given repositories → tag → digest. */
function node(host: string, content: Record<string, Record<string, string> | 'gone'>) {
  const scope = nock(`https://${host}`)
    .get('/v2/_catalog?n=1000')
    .reply(200, {repositories: Object.keys(content)})
  for (const [name, tags] of Object.entries(content)) {
    if (tags === 'gone') {
      scope
        .get(`/v2/${name}/tags/list?n=1000`)
        .reply(404, {errors: [{code: 'NAME_UNKNOWN', message: 'repository name not known to registry'}]})
      continue
    }

    scope.get(`/v2/${name}/tags/list?n=1000`).reply(200, {name, tags: Object.keys(tags)})
    for (const [tag, value] of Object.entries(tags))
      scope.head(`/v2/${name}/manifests/${tag}`).reply(200, '', {'docker-content-digest': value})
  }

  return {node: host, client: testSession().client({host})}
}

describe('smoke/drift', () => {
  useNock()

  it('finds nothing when the nodes agree, and counts repositories and tags', async () => {
    const same = {'team/app': {v1: digest('a'), v2: digest('b')}, 'team/tool': {}}
    const report = await compareNodes([node('n1.test', same), node('n2.test', same)])
    assert.deepEqual(report, {nodes: ['n1.test', 'n2.test'], repositories: 2, tags: 2, differences: []})
  })

  it('lists a moved tag, a tag missing on one node and a repository missing on one node', async () => {
    const report = await compareNodes([
      node('n1.test', {'team/app': {v1: digest('a'), v2: digest('b')}, 'team/extra': {x: digest('c')}}),
      node('n2.test', {'team/app': {v1: digest('d')}}),
    ])
    assert.deepEqual(report.differences, [
      {repository: 'team/app', tag: 'v1', values: {'n1.test': digest('a'), 'n2.test': digest('d')}},
      {repository: 'team/app', tag: 'v2', values: {'n1.test': digest('b'), 'n2.test': null}},
      {repository: 'team/extra', values: {'n1.test': 'present', 'n2.test': null}},
      {repository: 'team/extra', tag: 'x', values: {'n1.test': digest('c'), 'n2.test': null}},
    ])
  })

  it('compares only the repositories matching --select, and reads an unknown repository as empty', async () => {
    const first = nock('https://n1.test')
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['team/app', 'other/x']})
    first.get('/v2/team/app/tags/list?n=1000').reply(404, {errors: [{code: 'NAME_UNKNOWN', message: 'unknown'}]})
    const second = node('n2.test', {'team/app': 'gone'})
    const report = await compareNodes([{node: 'n1.test', client: testSession().client({host: 'n1.test'})}, second], {
      select: 'team/*',
    })
    assert.deepEqual([report.repositories, report.tags, report.differences], [1, 0, []])
  })

  it('keeps requests to a node within the concurrency bound', async () => {
    let inFlight = 0
    let peak = 0
    const tags = Array.from({length: 20}, (_, index) => `t${index}`)
    nock('https://n1.test')
      .get('/v2/_catalog?n=1000')
      .reply(200, {repositories: ['a']})
      .get('/v2/a/tags/list?n=1000')
      .reply(200, {name: 'a', tags})
    nock('https://n1.test')
      .head(/\/v2\/a\/manifests\/t\d+/)
      .times(20)
      .reply(
        200,
        async () => {
          inFlight++
          peak = Math.max(peak, inFlight)
          await new Promise((resolve) => setTimeout(resolve, 5))
          inFlight--
          return ''
        },
        {'docker-content-digest': digest('a')},
      )
    const report = await compareNodes([{node: 'n1.test', client: testSession().client({host: 'n1.test'})}], {
      concurrency: 3,
    })
    assert.equal(report.tags, 20)
    assert.ok(peak <= 3 && peak > 1, `peak ${peak}`)
  })
})
