/**
 * Digests as compact keys. A store of 100,000 blobs held as JavaScript strings in Sets and Maps costs
 * tens of MB (a 71-character string, a hash-table entry and an object per blob, several times over);
 * here a sha256 digest is 32 bytes, found through an open-addressing table of integer ids, and every
 * per-digest fact (flags, size) is typed-array memory indexed by that id. The memory comes in pages of
 * PAGE ids that are never copied or freed: a table that doubled and copied its arrays held the old
 * and the new ones at once (a third more at its peak, and freed blocks the allocator keeps).
 * Digests of other algorithms (or malformed ones) fall back to a Map: they are rare.
 *
 * The work per digest is native where it can be (one regular expression to check it, Buffer's hex
 * codec both ways) and compares 32-bit words, not bytes: the walk runs mostly unoptimized (gc status
 * keeps V8's optimizing compiler out of it, a tenth of its memory), where a call per hex digit costs.
 */
const PAGE_BITS = 12
/** Ids per page: 128 KB of digests, 32 KB of sizes, 4 KB of flags. */
const PAGE = 1 << PAGE_BITS
const IN_PAGE = PAGE - 1
const SHA256_HEX = /^[0-9a-f]{64}$/

export class DigestTable {
  /** 32 bytes per sha256 id (unused for fallback ids), PAGE ids a page, and the same memory as 8 words an id. */
  private readonly bytes: Buffer[] = []
  private readonly words: Int32Array[] = []
  /** Size per id in bytes; NaN when unknown. */
  private readonly sizes: Float64Array[] = []
  /** Flags per id, for the caller's bits. */
  private readonly flags: Uint8Array[] = []
  /** The digest being looked up, decoded (bytes and words over the same memory). */
  private readonly scratch: Buffer
  private readonly scratchWords: Int32Array
  /** `sha256:` and 64 hex digits, spelled here and decoded at once: one flat string per digest. */
  private readonly text = Buffer.from(`sha256:${'0'.repeat(64)}`, 'latin1')
  /** Slot → id + 1 (0 = empty); open addressing, linear probing, load ≤ 1/2. */
  private slots = new Int32Array(2048)
  private readonly others = new Map<string, number>()
  private readonly otherNames = new Map<number, string>()
  private count = 0

  constructor() {
    const memory = new ArrayBuffer(32)
    this.scratch = Buffer.from(memory)
    this.scratchWords = new Int32Array(memory)
  }

  get size(): number {
    return this.count
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2)
    const mask = slots.length - 1
    for (const entry of this.slots) {
      if (entry === 0) continue
      const id = entry - 1
      let slot = this.words[id >>> PAGE_BITS]![(id & IN_PAGE) * 8]! & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = entry
    }

    this.slots = slots
  }

  /** The id of a digest, if known. */
  find(digest: string): number | undefined {
    if (!digest.startsWith('sha256:') || !SHA256_HEX.test(digest.slice(7))) return this.other(digest, false)
    this.scratch.write(digest.slice(7), 'hex')
    return this.lookup(false)
  }

  /** The id of a digest, added when new. */
  intern(digest: string): number {
    if (!digest.startsWith('sha256:') || !SHA256_HEX.test(digest.slice(7))) return this.other(digest, true)!
    this.scratch.write(digest.slice(7), 'hex')
    return this.lookup(true)!
  }

  /** intern(`${algorithm}:${hex}`), without making that string for a sha256 digest (a store walk has its parts apart). */
  internHex(algorithm: string, hex: string): number {
    if (algorithm !== 'sha256' || !SHA256_HEX.test(hex)) return this.other(`${algorithm}:${hex}`, true)!
    this.scratch.write(hex, 'hex')
    return this.lookup(true)!
  }

  private other(digest: string, add: boolean): number | undefined {
    const known = this.others.get(digest)
    if (known !== undefined || !add) return known
    const id = this.newId()
    this.others.set(digest, id)
    this.otherNames.set(id, digest)
    return id
  }

  /** The id of the scratch digest. */
  private lookup(add: boolean): number | undefined {
    const mask = this.slots.length - 1
    let slot = this.scratchWords[0]! & mask
    for (;;) {
      const entry = this.slots[slot]!
      if (entry === 0) break
      if (this.equal(entry - 1)) return entry - 1
      slot = (slot + 1) & mask
    }

    if (!add) return undefined
    const id = this.newId()
    this.words[id >>> PAGE_BITS]!.set(this.scratchWords, (id & IN_PAGE) * 8)
    this.slots[slot] = id + 1
    if (this.count * 2 > this.slots.length) this.rehash()
    return id
  }

  /** Whether an id is the scratch digest. Fallback ids are never in the slots (their bytes are unused zeros). */
  private equal(id: number): boolean {
    const words = this.words[id >>> PAGE_BITS]!
    const scratch = this.scratchWords
    const o = (id & IN_PAGE) * 8
    return (
      words[o] === scratch[0] &&
      words[o + 1] === scratch[1] &&
      words[o + 2] === scratch[2] &&
      words[o + 3] === scratch[3] &&
      words[o + 4] === scratch[4] &&
      words[o + 5] === scratch[5] &&
      words[o + 6] === scratch[6] &&
      words[o + 7] === scratch[7]
    )
  }

  private newId(): number {
    if ((this.count & IN_PAGE) === 0) {
      const memory = new ArrayBuffer(PAGE * 32)
      this.bytes.push(Buffer.from(memory))
      this.words.push(new Int32Array(memory))
      this.sizes.push(new Float64Array(PAGE).fill(Number.NaN))
      this.flags.push(new Uint8Array(PAGE))
    }

    return this.count++
  }

  digest(id: number): string {
    const other = this.otherNames.get(id)
    if (other !== undefined) return other
    const o = (id & IN_PAGE) * 32
    this.text.write(this.bytes[id >>> PAGE_BITS]!.toString('hex', o, o + 32), 7, 'latin1')
    return this.text.toString('latin1', 0, 71)
  }

  has(id: number, flag: number): boolean {
    return (this.flags[id >>> PAGE_BITS]![id & IN_PAGE]! & flag) !== 0
  }

  set(id: number, flag: number): void {
    this.flags[id >>> PAGE_BITS]![id & IN_PAGE]! |= flag
  }

  /** The size of a digest's blob in bytes; NaN when unknown. */
  sizeOf(id: number): number {
    return this.sizes[id >>> PAGE_BITS]![id & IN_PAGE]!
  }

  setSize(id: number, size: number): void {
    this.sizes[id >>> PAGE_BITS]![id & IN_PAGE] = size
  }
}
