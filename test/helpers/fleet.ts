/**
 * A fleet of repositories with dated images, written straight into a running registry's store (the
 * sandbox registry has no cache, so it serves what appears behind its back): team repositories
 * with dated releases, `latest` on the newest and `stable` on an old one, and CI repositories of
 * 40-hex tags. Dates are relative to now, so age rules select what the test expects.
 */
import {createHash} from 'node:crypto'

import {buildImage} from '../../src/sandbox/images.js'
import type {RunningRegistry} from '../../src/sandbox/registry-process.js'
import {StoreWriter} from '../../src/sandbox/store.js'

export const DAY = 86_400_000

export interface Fleet {
  prefix: string
  /** Every repository with its tags, as written. */
  repositories: Map<string, string[]>
}

export const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')

export function writeFleet(
  registry: RunningRegistry,
  prefix: string,
  options: {team?: number; ci?: number; releases?: number; builds?: number} = {},
): Fleet {
  const writer = new StoreWriter(registry.rootDirectory)
  const repositories = new Map<string, string[]>()
  const now = Date.now()
  const team = options.team ?? 24
  const ci = options.ci ?? 8
  const releases = options.releases ?? 14
  const builds = options.builds ?? 6
  for (let i = 0; i < team; i++) {
    const name = `${prefix}/team/app${String(i).padStart(2, '0')}`
    const tags: string[] = []
    for (let k = 0; k < releases; k++) {
      // Release k is (releases - k) days old: r00 is the oldest.
      const tag = `r${String(k).padStart(2, '0')}`
      const extra = k === releases - 1 ? ['latest'] : k === 1 ? ['stable'] : []
      writer.image(
        name,
        [tag, ...extra],
        buildImage({
          created: new Date(now - (releases - k) * DAY).toISOString(),
          format: i % 2 ? 'docker' : 'oci',
          layers: [`${name} ${tag}`],
        }),
      )
      tags.push(tag, ...extra)
    }

    repositories.set(name, tags.sort())
  }

  for (let i = 0; i < ci; i++) {
    const name = `${prefix}/ci/build${String(i).padStart(2, '0')}`
    const tags: string[] = []
    for (let k = 0; k < builds; k++) {
      // Builds are 10, 20, 30, … days old (plus an hour, so none sits on a 30-day boundary).
      const tag = sha1(`${name} ${k}`)
      writer.image(
        name,
        [tag],
        buildImage({created: new Date(now - ((k + 1) * 10 * DAY + 3_600_000)).toISOString(), layers: [`${name} ${k}`]}),
      )
      tags.push(tag)
    }

    writer.image(
      name,
      ['main'],
      buildImage({created: new Date(now - 100 * DAY).toISOString(), layers: [`${name} main`]}),
    )
    repositories.set(name, [...tags, 'main'].sort())
  }

  return {prefix, repositories}
}

/** The README's example policy, for one fleet. */
export function fleetPolicy(registry: string, prefix: string, extra = ''): string {
  return `registry: ${registry}
rules:
  - name: team-newest
    repositories: ["${prefix}/team/*"]
    tags: ["*"]
    exclude-tags: [latest, stable]
    protect: [latest, stable]
    keep: 10
  - name: ci-sha
    repositories: ["${prefix}/ci/*"]
    tags: ["${'[0-9a-f]'.repeat(40)}"]
    older-than: 30d
${extra}`
}
