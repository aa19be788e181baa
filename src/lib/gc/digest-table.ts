/**
 * Digests as compact keys. A store of 100,000 blobs held as JavaScript strings in Sets and Maps costs
 * tens of MB (a 71-character string, a hash-table entry and an object per blob, several times over);
 * here a sha256 digest is 32 bytes in one growing buffer, found through an open-addressing table of
 * integer ids, and every per-digest fact (flags, size) is a typed array indexed by that id.
 * Digests of other algorithms (or malformed ones) fall back to a Map: they are rare.
 */
/** 0-15 for '0'-'9' and 'a'-'f', -1 otherwise. */
function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  return -1
}

export class DigestTable {
  /** 32 bytes per sha256 id (unused for fallback ids). */
  private bytes = new Uint8Array(32 * 1024)
  /** Slot → id + 1 (0 = empty); open addressing, linear probing, load ≤ 1/2. */
  private slots = new Int32Array(2048)
  private readonly others = new Map<string, number>()
  private readonly otherNames = new Map<number, string>()
  private count = 0
  /** Flags per id, for the caller's bits. */
  flags = new Uint8Array(1024)
  /** Size per id in bytes; NaN when unknown. */
  sizes = new Float64Array(1024).fill(Number.NaN)

  get size(): number {
    return this.count
  }

  private grow(): void {
    const capacity = this.flags.length * 2
    const flags = new Uint8Array(capacity)
    flags.set(this.flags)
    this.flags = flags
    const sizes = new Float64Array(capacity).fill(Number.NaN)
    sizes.set(this.sizes)
    this.sizes = sizes
    const bytes = new Uint8Array(capacity * 32)
    bytes.set(this.bytes)
    this.bytes = bytes
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2)
    const mask = slots.length - 1
    for (const entry of this.slots) {
      if (entry === 0) continue
      let slot = this.hashOf(entry - 1) & mask
      while (slots[slot] !== 0) slot = (slot + 1) & mask
      slots[slot] = entry
    }

    this.slots = slots
  }

  private hashOf(id: number): number {
    const b = this.bytes
    const o = id * 32
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

    // parse() left the bytes in the scratch area past the last id.
    const mask = this.slots.length - 1
    let slot = this.hashOf(this.count) & mask
    for (;;) {
      const entry = this.slots[slot]!
      if (entry === 0) break
      if (!this.otherNames.has(entry - 1) && this.equal(entry - 1, this.count)) return entry - 1
      slot = (slot + 1) & mask
    }

    if (!add) return undefined
    const id = this.newId()
    this.slots[slot] = id + 1
    if (this.count * 2 > this.slots.length) this.rehash()
    return id
  }

  /** Parses lowercase hex into the scratch area past the last id; false when it is not 64 lowercase hex digits. */
  private parse(digest: string): boolean {
    if ((this.count + 1) * 32 > this.bytes.length) this.grow()
    const scratch = this.count * 32
    for (let i = 0; i < 32; i++) {
      const high = hexValue(digest.charCodeAt(7 + 2 * i))
      const low = hexValue(digest.charCodeAt(8 + 2 * i))
      if (high < 0 || low < 0) return false
      this.bytes[scratch + i] = (high << 4) | low
    }

    return true
  }

  private equal(a: number, b: number): boolean {
    const bytes = this.bytes
    const x = a * 32
    const y = b * 32
    for (let i = 0; i < 32; i++) if (bytes[x + i] !== bytes[y + i]) return false
    return true
  }

  private newId(): number {
    if (this.count + 1 >= this.flags.length) this.grow()
    return this.count++
  }

  digest(id: number): string {
    const other = this.otherNames.get(id)
    if (other !== undefined) return other
    return `sha256:${Buffer.from(this.bytes.buffer, this.bytes.byteOffset + id * 32, 32).toString('hex')}`
  }

  has(id: number, flag: number): boolean {
    return (this.flags[id]! & flag) !== 0
  }

  set(id: number, flag: number): void {
    this.flags[id] = this.flags[id]! | flag
  }
}
