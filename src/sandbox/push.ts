/** Pushes built images through the distribution API: blobs, then children, then the manifest. */
import type {RegistryClient} from '../lib/registry/client.js'
import type {BuiltImage} from './images.js'

export async function pushImage(
  client: RegistryClient,
  name: string,
  tags: string[],
  image: BuiltImage,
): Promise<string> {
  await Promise.all([...image.blobs].map(([digest, data]) => client.pushBlob(name, data, digest)))
  for (const child of image.children) await client.pushManifest(name, child.digest, child.manifest, child.mediaType)
  const target = tags[0] ?? image.digest
  const digest = await client.pushManifest(name, target, image.manifest, image.mediaType)
  for (const tag of tags.slice(1)) await client.pushManifest(name, tag, image.manifest, image.mediaType)
  return digest
}
