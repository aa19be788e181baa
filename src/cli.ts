/**
 * The bundled CLI's entry (scripts/bundle.js builds it into dist/bundle/cli.js, which bin/run.js
 * loads): oclif itself. Commands are separate entries of the bundle, found through oclif.manifest.json.
 */
import {execute} from '@oclif/core'

export async function run(dir: string): Promise<void> {
  await execute({dir})
}
