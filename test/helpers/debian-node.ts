/**
 * Debian 12's own nodejs (18.19/18.20, the Node of Wikimedia's build hosts), for the tests that run
 * the packaged CLI under it. Its .debs are fetched from this machine's Debian mirror with
 * `apt-get download` (never installed: the machine's own node stays as it is) and unpacked with
 * `dpkg-deb -x` into node_modules/.cache, where later runs and CI reuse them.
 *
 * Debian's node loads some builtins (undici, acorn, cjs-module-lexer) from /usr/share/nodejs, and
 * the package's wrapper runs /usr/bin/node: `installedCommand` runs a command in a private mount
 * namespace (`unshare -m`, root) whose /usr is an overlay of the unpacked trees on the real /usr, so
 * the CLI runs exactly as it would where both packages are installed, and nothing outside changes.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const CACHE = fileURLToPath(new URL('../../node_modules/.cache/registryctl-debian-nodejs', import.meta.url))
/** Debian 12's nodejs major; its libnode is libnode108. */
const MAJOR = '18'
const PINNED = ['nodejs', 'libnode108']

const run = (file: string, args: string[], cwd?: string) =>
  execFileSync(file, args, {encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe']})

/** The newest nodejs 18 the mirror has (the machine's candidate may be another origin's Node 20). */
function debianVersion(): string | undefined {
  return run('apt-cache', ['madison', 'nodejs'])
    .split('\n')
    .map((line) => line.split('|')[1]?.trim())
    .find((version) => version?.startsWith(`${MAJOR}.`))
}

const installed = (name: string) => {
  try {
    return run('dpkg-query', ['-W', '-f=${db:Status-Abbrev}', name]).startsWith('ii')
  } catch {
    return false
  }
}

/**
 * nodejs and libnode108 at `version`, and what they depend on that this machine lacks (libc-ares2
 * here; node-undici, node-acorn, node-cjs-module-lexer and theirs), as `apt-get download` arguments.
 */
function packagesFor(version: string): string[] {
  const wanted = new Map<string, string>(PINNED.map((name) => [name, `${name}=${version}`]))
  const queue = [...wanted.values()]
  while (queue.length > 0) {
    const fields = run('apt-cache', ['show', '--no-all-versions', queue.shift()!])
    const depends = /^Depends: (.*)$/m.exec(fields)?.[1] ?? ''
    for (const dependency of depends.split(',')) {
      // The first alternative, without its version and architecture qualifiers.
      const name = (dependency.split('|')[0] ?? '').trim().split(/[\s:(]/)[0]
      if (!name || wanted.has(name) || installed(name)) continue
      wanted.set(name, name)
      queue.push(name)
    }
  }

  return [...wanted.values()]
}

/** The unpacked root of Debian 12's nodejs (its usr/bin/node, usr/lib, usr/share/nodejs), fetched once. */
export function debianNodeRoot(): string {
  mkdirSync(CACHE, {recursive: true})
  const cached = readdirSync(CACHE).find(
    (entry) => entry.startsWith('root-') && existsSync(join(CACHE, entry, 'VERSION')),
  )
  if (cached) return join(CACHE, cached)
  let version = debianVersion()
  if (!version) {
    // A fresh machine (CI) may have no package lists yet.
    run('apt-get', ['update', '-qq'])
    version = debianVersion()
  }

  if (!version) throw new Error(`no nodejs ${MAJOR} in this machine's Debian mirror (apt-cache madison nodejs)`)
  const debs = mkdtempSync(join(CACHE, 'debs-'))
  const unpacked = mkdtempSync(join(CACHE, 'unpacking-'))
  try {
    // As root, apt's _apt user cannot write the folder; the download needs no sandbox.
    run('apt-get', ['download', '-q', '-o', 'APT::Sandbox::User=root', ...packagesFor(version)], debs)
    for (const deb of readdirSync(debs)) run('dpkg-deb', ['-x', join(debs, deb), unpacked])
    writeFileSync(join(unpacked, 'VERSION'), `${version}\n`)
    const root = join(CACHE, `root-${version}`)
    try {
      renameSync(unpacked, root)
    } catch (error) {
      // Another worktree or run sharing node_modules unpacked it first.
      if (!existsSync(join(root, 'VERSION'))) throw error
    }

    return root
  } finally {
    rmSync(debs, {recursive: true, force: true})
    rmSync(unpacked, {recursive: true, force: true})
  }
}

/**
 * `command` (with `args`) as [file, argv] for spawn: run where the trees in `roots` (each with a
 * usr/ folder, e.g. an unpacked .deb and debianNodeRoot()) are installed, the first on top.
 */
export function installedCommand(roots: string[], command: string, args: string[]): [string, string[]] {
  for (const root of roots) if (!existsSync(join(root, 'usr'))) throw new Error(`${root} has no usr/`)
  const layers = [...roots.map((root) => join(root, 'usr')), '/usr'].join(':')
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t overlay overlay -o "lowerdir=$1" /usr && shift && exec "$@"',
      'sh',
      layers,
      command,
      ...args,
    ],
  ]
}
