/**
 * `JSON.stringify(value, null, 2)` made in pieces. A large report (`gc status --json` on a store of
 * 100,000 blobs is 5 MB of JSON) would otherwise exist twice more at once: as one string, and as the
 * bytes written; here no piece is larger than `chunkSize` characters plus one scalar. Same text byte for
 * byte, by JSON.stringify's rules: toJSON() is called, undefined, functions and symbols are left out of
 * objects and are null in arrays, boxed primitives are unboxed, scalars are JSON.stringify's own.
 */

/** A value as JSON.stringify sees it under `key` of its holder: after toJSON(), boxed primitives unboxed. */
function resolve(value: unknown, key: string): unknown {
  if (value !== null && (typeof value === 'object' || typeof value === 'bigint') && typeof (value as {toJSON?: unknown}).toJSON === 'function') {
    value = (value as {toJSON: (key: string) => unknown}).toJSON(key)
  }

  if (value instanceof Number || value instanceof String || value instanceof Boolean) return value.valueOf()
  return value
}

const omitted = (value: unknown) => value === undefined || typeof value === 'function' || typeof value === 'symbol'

/** The text of `JSON.stringify(value, null, 2)` in pieces of about `chunkSize` characters (none when it is undefined). */
export function* jsonChunks(value: unknown, chunkSize = 1 << 16): Generator<string, void, undefined> {
  let buffer = ''
  // An object or array (resolved); scalars are appended in place, without a generator each.
  function* emit(value: object, indent: string): Generator<string, void, undefined> {
    const inner = `${indent}  `
    if (Array.isArray(value)) {
      if (value.length === 0) {
        buffer += '[]'
        return
      }

      for (let i = 0; i < value.length; i++) {
        buffer += `${i === 0 ? '[' : ','}\n${inner}`
        const item = resolve(value[i], String(i))
        if (item !== null && typeof item === 'object') yield* emit(item, inner)
        else buffer += omitted(item) ? 'null' : JSON.stringify(item)
        if (buffer.length >= chunkSize) {
          yield buffer
          buffer = ''
        }
      }

      buffer += `\n${indent}]`
      return
    }

    let first = true
    for (const key of Object.keys(value)) {
      const item = resolve((value as Record<string, unknown>)[key], key)
      if (omitted(item)) continue
      buffer += `${first ? '{' : ','}\n${inner}${JSON.stringify(key)}: `
      first = false
      if (item !== null && typeof item === 'object') yield* emit(item, inner)
      else buffer += JSON.stringify(item)
      if (buffer.length >= chunkSize) {
        yield buffer
        buffer = ''
      }
    }

    buffer += first ? '{}' : `\n${indent}}`
  }

  const top = resolve(value, '')
  if (omitted(top)) return
  if (top !== null && typeof top === 'object') yield* emit(top, '')
  else buffer += JSON.stringify(top)
  if (buffer) yield buffer
}
