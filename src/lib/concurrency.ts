/**
 * Bounded fan-out over large inputs. `Promise.all(items.map(fn))` over 100,000 tags creates 100,000
 * suspended async calls at once (hundreds of MB); here a fixed number of workers take the next item
 * when they are done, so memory holds the results and `workers` calls in flight, nothing more.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  workers: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  let failed = false
  const work = async () => {
    while (!failed && next < items.length) {
      const index = next++
      try {
        results[index] = await fn(items[index]!, index)
      } catch (error) {
        failed = true
        throw error
      }
    }
  }

  await Promise.all(Array.from({length: Math.max(1, Math.min(workers, items.length))}, work))
  return results
}
