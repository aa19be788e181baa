/** A small seeded PRNG (mulberry32): fault and interruption tests reproduce from their seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d_2b_79_f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** The seed for a test run: REGISTRYCTL_TEST_SEED when set (to replay a failure), else the default. */
export function testSeed(fallback: number): number {
  const given = Number(process.env.REGISTRYCTL_TEST_SEED)
  return Number.isInteger(given) && given > 0 ? given : fallback
}
