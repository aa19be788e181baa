#!/usr/bin/env node
// `--version` is answered before loading oclif (importing it costs ~70-100 ms): scripts and
// monitoring call it often. The string is oclif's own format; a test keeps the two identical.
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {readFileSync} = await import('node:fs')
  const {version, oclif} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${oclif.bin}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {execute} = await import('@oclif/core/execute')
  await execute({dir: import.meta.url, args: (await import('../dist/argv.js')).prepareArgv(argv)})
}
