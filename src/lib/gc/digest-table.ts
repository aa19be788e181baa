/**
 * Digests as compact keys. A store of 100,000 blobs held as JavaScript strings in Sets and Maps costs
 * tens of MB (a 71-character string, a hash-table entry and an object per blob, several times over);
 * here a sha256 digest is 32 bytes, found through an open-addressing table of integer ids, and every
 * per-digest fact (flags, size) is typed-array memory indexed by that id. The memory comes in pages of
 * PAGE ids that are never copied or freed: a table that doubled and copied its arrays held the old
 * and the new ones at once (a third more at its peak, and freed blocks the allocator keeps).
 * Digests of other algorithms (or malformed ones) fall back to a Map: they are rare.
 */
/** 0-15 for '0'-'9' and 'a'-'f', -1 otherwise. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  return -1
}

const PAGE_BITS = 12
/** Ids per page: 128 KB of digests, 32 KB of sizes, 4 KB of flags. */
const PAGE = 1 << PAGE_BITS
const IN_PAGE = PAGE - 1
/** ASCII codes of the hex digits. */
const HEX = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0))

export class DigestTable {
  /** 32 bytes per sha256 id (unused for fallback ids), PAGE ids a page. */
  private readonly bytes: Uint8Array[] = []
  /** Size per id in bytes; NaN when unknown. */
  private readonly sizes: Float64Array[] = []
  /** Flags per id, for the caller's bits. */
  private readonly flags: Uint8Array[] = []
  /** The digest being looked up, parsed. */
  private readonly scratch = new Uint8Array(32)
  /** `sha256:` and 64 hex digits, spelled here and decoded at once: one flat string per digest. */
  private readonly text = Buffer.from(`sha256:${'0'.repeat(64)}`, 'latin1')
  /** Slot → id + 1 (0 = empty); open addressing, linear probing, load ≤ 1/2. */
  private slots = new Int32Array(2048)
  private readonly others = new Map<string, number>()
  private readonly otherNames = new Map<number, string>()
  private count = 0

  get size(): number {
    return this.count
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2)
    const mask = slots.length - 1
    for (const entry of this.slots) {
      if (entry === 0) continue
      const id = entry - 1
      let slot = this.hashAt(this.bytes[id >>> PAGE_BITS]!, (id & IN_PAGE) * 32) & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = entry
    }

    this.slots = slots
  }

  private hashAt(b: Uint8Array, o: number): number {
    return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
  }

  /** The id of a digest, if known. */
  find(digest: string): number | undefined {
    return this.lookup(digest, false)
  }

  /** The id of a digest, added when new. */
  intern(digest: string): number {
    return this.lookup(digest, true)!
  }

  private lookup(digest: string, add: boolean): number | undefined {
    if (digest.length !== 71 || !digest.startsWith('sha256:') || !this.parse(digest)) {
      const known = this.others.get(digest)
      if (known !== undefined || !add) return known
      const id = this.newId()
      this.others.set(digest, id)
      this.otherNames.set(id, digest)
      return id
    }

    const mask = this.slots.length - 1
    let slot = this.hashAt(this.scratch, 0) & mask
    for (;;) {
      const entry = this.slots[slot]!
      if (entry === 0) break
      if (this.equal(entry - 1)) return entry - 1
      slot = (slot + 1) & mask
    }

    if (!add) return undefined
    const id = this.newId()
    this.bytes[id >>> PAGE_BITS]!.set(this.scratch, (id & IN_PAGE) * 32)
    this.slots[slot] = id + 1
    if (this.count * 2 > this.slots.length) this.rehash()
    return id
  }

  /** Parses lowercase hex into the scratch bytes; false when it is not 64 lowercase hex digits. */
  private parse(digest: string): boolean {
    const scratch = this.scratch
    for (let i = 0; i < 32; i++) {
      const high = hexValue(digest.charCodeAt(7 + 2 * i))
      const low = hexValue(digest.charCodeAt(8 + 2 * i))
      if (high < 0 || low < 0) return false
      scratch[i] = (high << 4) | low
    }

    return true
  }

  /** Whether a sha256 id's bytes are the scratch bytes (never for a fallback id: its bytes are zero and unused). */
  private equal(id: number): boolean {
    if (this.otherNames.has(id)) return false
    const bytes = this.bytes[id >>> PAGE_BITS]!
    const scratch = this.scratch
    const o = (id & IN_PAGE) * 32
    for (let i = 0; i < 32; i++) if (bytes[o + i] !== scratch[i]) return false
    return true
  }

  private newId(): number {
    if ((this.count & IN_PAGE) === 0) {
      this.bytes.push(new Uint8Array(PAGE * 32))
      this.sizes.push(new Float64Array(PAGE).fill(Number.NaN))
      this.flags.push(new Uint8Array(PAGE))
    }

    return this.count++
  }

  digest(id: number): string {
    const other = this.otherNames.get(id)
    if (other !== undefined) return other
    const bytes = this.bytes[id >>> PAGE_BITS]!
    const o = (id & IN_PAGE) * 32
    const text = this.text
    for (let i = 0; i < 32; i++) {
      const byte = bytes[o + i]!
      text[7 + 2 * i] = HEX[byte >>> 4]!
      text[8 + 2 * i] = HEX[byte & 15]!
    }

    return text.toString('latin1', 0, 71)
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
