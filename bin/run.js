#!/usr/bin/env node
// Runs the bundled CLI (dist/bundle, built by `npm run build`; bin/dev.js runs the sources).
// `--version` is answered before loading oclif: scripts and monitoring call it often. The string is
// oclif's own format; a test keeps the two identical.
const argv = process.argv.slice(2)
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const {readFileSync} = await import('node:fs')
  const {version, oclif} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${oclif.bin}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {run} = await import('../dist/bundle/cli.js')
  await run(import.meta.url, argv)
}
