/**
 * The sandbox's sample images: a few repositories and tags that show every case registryctl
 * handles: tags created at known dates, two tags sharing one digest, Docker schema2 and OCI images,
 * a multi-arch index, and a 40-hex git sha1 tag.
 */
import type {RegistryClient} from '../lib/registry/client.js'
import {buildImage, buildMultiArch} from './images.js'
import {pushImage} from './push.js'

export const SAMPLE_NAKED_TAG = '3f786850e387550fdab836ed7e6dc881de23001b'

export interface SampleImage {
  name: string
  tags: string[]
  build: () => ReturnType<typeof buildImage>
}

export const SAMPLE_IMAGES: SampleImage[] = [
  {
    name: 'team/app',
    tags: ['2021-07-28-175322-production', 'stable'],
    build: () => buildImage({created: '2021-07-28T17:53:22Z', format: 'docker', layers: ['base', 'app 2021-07']}),
  },
  {
    name: 'team/app',
    tags: ['2021-03-02-101010-production'],
    build: () => buildImage({created: '2021-03-02T10:10:10Z', format: 'docker', layers: ['base', 'app 2021-03']}),
  },
  {
    name: 'team/app',
    tags: ['2022-01-15-090000-production', 'latest'],
    build: () => buildImage({created: '2022-01-15T09:00:00Z', format: 'docker', layers: ['base', 'app 2022-01']}),
  },
  {
    name: 'team/app',
    tags: [SAMPLE_NAKED_TAG],
    build: () => buildImage({created: '2022-02-01T12:00:00Z', format: 'docker', layers: ['base', 'app ci build']}),
  },
  {
    name: 'team/oci-tool',
    tags: ['1.0.0'],
    build: () => buildImage({created: '2023-05-01T08:00:00.123456789Z', format: 'oci', layers: ['tool 1.0.0']}),
  },
  {
    name: 'team/oci-tool',
    tags: ['1.1.0', 'latest'],
    build: () => buildImage({created: '2023-09-12T08:00:00Z', format: 'oci', layers: ['tool 1.1.0']}),
  },
  {
    name: 'base/multiarch',
    tags: ['bookworm'],
    build: () =>
      buildMultiArch(['2024-01-10T00:00:00Z', '2024-01-11T00:00:00Z', '2024-01-12T00:00:00Z'], 'oci', 'bookworm'),
  },
  {
    name: 'base/multiarch',
    tags: ['bullseye'],
    build: () => buildMultiArch(['2023-01-10T00:00:00Z', '2023-01-11T00:00:00Z'], 'docker', 'bullseye'),
  },
  {
    name: 'restricted/secret-app',
    tags: ['1.0'],
    build: () => buildImage({created: '2024-06-01T00:00:00Z', layers: ['secret app']}),
  },
]

/** Push the samples. A repository's first image goes alone: concurrent first pushes can fail on 2.8. */
export async function seedSamples(client: RegistryClient, images: SampleImage[] = SAMPLE_IMAGES): Promise<void> {
  const seen = new Set<string>()
  const later: Array<() => Promise<string>> = []
  for (const sample of images) {
    if (seen.has(sample.name)) {
      later.push(() => pushImage(client, sample.name, sample.tags, sample.build()))
    } else {
      seen.add(sample.name)
      await pushImage(client, sample.name, sample.tags, sample.build())
    }
  }

  await Promise.all(later.map((push) => push()))
}
