import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** A temporary folder for the enclosing describe block, removed after it; call the result for its path. */
export function useTempDir(prefix: string): () => string {
  let dir = ''
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), `registryctl-${prefix}-`))
  })
  after(() => rm(dir, {recursive: true, force: true}))
  return () => dir
}
