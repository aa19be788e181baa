/**
 * `JSON.stringify(value, null, 2)` made in pieces, by @discoveryjs/json-ext. A large report
 * (`gc status --json` on a store of 100,000 blobs is 5 MB of JSON) would otherwise exist twice more at
 * once: as one string, and as the bytes written. Same text byte for byte (tests compare it).
 */
import {once} from 'node:events'

import {stringifyChunked} from '@discoveryjs/json-ext'

/** The text of `JSON.stringify(value, null, 2)` (for a value that has one) in pieces of at least `chunkSize` characters. */
export function jsonChunks(value: unknown, chunkSize = 1 << 16): Generator<string, void, unknown> {
  return stringifyChunked(value, {space: 2, highWaterMark: chunkSize})
}

/**
 * Write `value` as JSON and a newline to `stream` (stdout, a pipe) in pieces, each after the stream took
 * the previous one: a pipe's writes are otherwise queued in memory. A stream that fails stops the
 * writing: a reader that stopped early (`| head`) wants no more, and what any failure means for the
 * command is for the CLI's stdout guard (src/cli/output.ts) to say.
 */
export async function writeJsonInPieces(stream: NodeJS.WritableStream, value: unknown): Promise<void> {
  let closed = false
  stream.on('error', () => {
    closed = true
    stream.emit('drain')
  })
  for (const chunk of jsonChunks(value)) {
    if (closed) return

    if (!stream.write(chunk)) await once(stream, 'drain')
  }

  if (!closed) stream.write('\n')
}
