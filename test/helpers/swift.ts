/** Mocha helpers around a single-node Swift (with s3api) started for a suite. */
import {type RunningSwift, startSwift} from '../../src/sandbox/swift-process.js'

/** Start Swift before the suite (creating the given containers) and stop it after. */
export function useSwift(containers: string[] = []): () => RunningSwift {
  let swift: RunningSwift | undefined
  before(async function () {
    this.timeout(180_000)
    swift = await startSwift({timeoutMs: 150_000})
    for (const name of containers) await swift.createContainer(name)
  })
  after(async () => {
    await swift?.stop()
  })
  return () => {
    if (!swift) throw new Error('swift not started')
    return swift
  }
}

/** Every object of every container in the account: name → ETag, for read-only proofs. */
export async function accountSnapshot(swift: RunningSwift): Promise<Map<string, string>> {
  const token = await swift.token()
  const get = async (url: string) => {
    const response = await fetch(url, {headers: {'x-auth-token': token}})
    return response.status === 204 ? [] : ((await response.json()) as Array<{name: string; hash?: string}>)
  }

  const snapshot = new Map<string, string>()
  for (const container of await get(`${swift.storageUrl}?format=json`)) {
    let marker = ''
    for (;;) {
      const page = await get(
        `${swift.storageUrl}/${encodeURIComponent(container.name)}?format=json&limit=10000&marker=${encodeURIComponent(marker)}`,
      )
      for (const entry of page) snapshot.set(`${container.name}/${entry.name}`, entry.hash ?? '')
      if (page.length < 10_000) break
      marker = page.at(-1)!.name
    }
  }

  return snapshot
}
