#!/usr/bin/env -S node --import tsx --no-warnings
// Runs the TypeScript sources directly (no build step); tsx is registered by the shebang. oclif is
// rooted at src/ with commands in ./commands, so it neither reads oclif.manifest.json (which points
// into the bundle) nor needs dist/.
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {execute} from '@oclif/core'

import {guardStandardOutput} from '../src/cli/output.js'

const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
const root = fileURLToPath(new URL('../src', import.meta.url))
guardStandardOutput()
await execute({
  development: true,
  loadOptions: {root, pjson: {...pjson, oclif: {...pjson.oclif, commands: './commands'}}},
})
