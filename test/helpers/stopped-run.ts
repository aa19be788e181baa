/**
 * For tests of deletions stopped part-way (a failed record, a signal): a repository of numbered tags,
 * and the check that a report's lines agree with what the registry holds afterwards.
 */
import {strict as assert} from 'node:assert'

import type {RegistryClient} from '../../src/lib/registry/client.js'
import {buildImage} from '../../src/sandbox/images.js'
import {pushImage} from '../../src/sandbox/push.js'

export const buildTag = (k: number) => `build-${String(k).padStart(2, '0')}`

/** Push `count` tags build-00… to `name`, each on its own image. */
export async function seedBuilds(client: RegistryClient, name: string, count: number): Promise<void> {
  for (let k = 0; k < count; k++) {
    await pushImage(
      client,
      name,
      [buildTag(k)],
      buildImage({created: `2021-01-${String(k + 1).padStart(2, '0')}T00:00:00Z`, layers: [`${name} ${k}`]}),
    )
  }
}

/**
 * `report` has one line per tag of `name`, each [DONE] or [SKIPPED], and the registry agrees: DONE
 * tags are gone, SKIPPED ones still there. Returns each tag's status.
 */
export async function assertReportTrue(
  client: RegistryClient,
  host: string,
  name: string,
  count: number,
  report: string,
): Promise<Map<string, string>> {
  const outcomes = new Map<string, string>()
  for (const match of report.matchAll(new RegExp(`^${host}/${name}:(build-\\d+) +\\[(\\w+)\\]`, 'gm')))
    outcomes.set(match[1]!, match[2]!)
  assert.equal(outcomes.size, count, report)
  const left = new Set(await client.tags(name))
  for (const [tag, status] of outcomes) {
    assert.ok(status === 'DONE' || status === 'SKIPPED', `${tag}: ${status}`)
    assert.equal(
      left.has(tag),
      status === 'SKIPPED',
      `${tag} is ${status} but ${left.has(tag) ? 'still tagged' : 'gone'}`,
    )
  }

  return outcomes
}
