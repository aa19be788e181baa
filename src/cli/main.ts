/**
 * The bundled CLI's entry (scripts/bundle.js builds it into dist/bundle/cli.js, which bin/run.js
 * loads): oclif itself. Commands are separate entries of the bundle, found through oclif.manifest.json.
 */
import {execute} from '@oclif/core/execute'

import {prepareArgv} from './argv.js'
import {guardStandardOutput} from './output.js'

/** `dir` is bin/run.js's URL: the package root, and its manifest, are one folder up. */
export async function run(dir: string, argv: string[]): Promise<void> {
  // After oclif's modules have loaded: they install a listener that rethrows stdout's write errors.
  guardStandardOutput()
  await execute({dir, args: prepareArgv(argv, new URL('../oclif.manifest.json', dir))})
}
