#!/usr/bin/env node
/**
 * Builds a Debian package from what `npm run build` produced: `npm run package` (or
 * `node scripts/package.js [--out DIR]` after a build) writes registryctl_VERSION_all.deb.
 *
 *   /usr/lib/registryctl/        package.json, its `files` (the build output, bundled or not), and the
 *                                production dependencies `npm ls --omit=dev` names (none of the dev tree)
 *   /usr/bin/registryctl         a wrapper running it with Debian's node (Depends: nodejs from `engines`)
 *   /usr/share/man/man1/registryctl.1.gz          generated from the commands' help (oclif manifest)
 *   /usr/share/bash-completion/completions/registryctl, /usr/share/zsh/vendor-completions/_registryctl
 *                                (scripts/completion.js)
 *   /usr/share/doc/registryctl/  copyright, changelog.gz
 *
 * The generators are exported for tests; nothing here runs at import.
 */
import {execFileSync} from 'node:child_process'
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {gzipSync} from 'node:zlib'

import {bashCompletion, zshCompletion} from './completion.js'
import {sortedCommands, visibleFlags} from './manifest.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = 'registryctl'

const spaced = (id) => id.replaceAll(':', ' ')

/** roff-escape a line of text: backslashes, leading dots and quotes, hyphens in options. */
function roff(text) {
  return String(text ?? '')
    .replaceAll('\\', '\\e')
    .replaceAll('-', '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n')
}

function flagSynopsis(flag) {
  const names = [
    flag.char ? `-${flag.char}` : undefined,
    ...(flag.charAliases ?? []).map((c) => `-${c}`),
    `--${flag.name}`,
    ...(flag.aliases ?? []).map((a) => `--${a}`),
  ].filter(Boolean)
  return `${names.join(', ')}${flag.type === 'option' ? ` ${flag.name.toUpperCase().replaceAll('-', '_')}` : ''}`
}

/** The man page (section 1), from the oclif manifest: every command with its arguments and options. */
export function manPage(manifest, pkg, date = new Date()) {
  const month = date.toISOString().slice(0, 7)
  const lines = [
    `.TH REGISTRYCTL 1 "${month}" "${BIN} ${pkg.version}" "User Commands"`,
    '.SH NAME',
    `${BIN} \\- ${roff(pkg.description)}`,
    '.SH SYNOPSIS',
    `.B ${BIN}`,
    '[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGUMENTS\\fR] [\\fIOPTIONS\\fR]',
    '.br',
    `.B ${BIN} help \\fICOMMAND\\fR`,
    '.SH DESCRIPTION',
    roff(
      `${BIN} speaks the OCI distribution API to container registries. It replaces docker-registryctl: list-images, list-tags and delete-tags print its output formats, and take its options (-f, -s, -d, options before the command).`,
    ),
    '.SH COMMANDS',
  ]
  for (const command of sortedCommands(manifest)) {
    const args = Object.values(command.args ?? {}).map((arg) =>
      arg.required ? arg.name.toUpperCase() : `[${arg.name.toUpperCase()}]`,
    )
    lines.push(
      '.SS',
      `.B ${roff(`${BIN} ${spaced(command.id)}`)}${args.length > 0 ? ` \\fI${roff(args.join(' '))}\\fR` : ''}`,
    )
    lines.push(roff(command.summary ?? ''))
    if (command.description) lines.push('.PP', roff(command.description).replaceAll('\n\n', '\n.PP\n'))
    for (const arg of Object.values(command.args ?? {}))
      lines.push('.TP', `.I ${roff(arg.name.toUpperCase())}`, roff(arg.description ?? ''))
    for (const flag of visibleFlags(command)) {
      lines.push(
        '.TP',
        `.B ${roff(flagSynopsis(flag))}`,
        roff(`${flag.description ?? ''}${flag.options ? ` (one of: ${flag.options.join(', ')})` : ''}`),
      )
    }
  }

  lines.push(
    '.SH EXIT STATUS',
    roff(
      '0 success; 1 a check did not pass; 2 bad input; 3 registry unreachable; 4 TLS failure; 5 unauthorized; 6 denied; 7 not found; 8 refused by configuration (deletes disabled, read-only); 9 the registry misbehaved; 10 some deletions failed; 11 not confirmed; 12 blocked by the sibling policy; 13 partial listing; 70 internal error.',
    ),
    '.SH FILES',
    '.TP',
    '.I ~/.config/registryctl/config.yaml, /etc/registryctl/config.yaml',
    roff(
      'Per-registry settings (default registry, aliases, CA file, timeouts, credentials source); see registryctl config.',
    ),
    '.TP',
    '.I /etc/docker/certs.d/HOST[:PORT]/*.crt',
    roff('CA certificates trusted for that registry, as docker does.'),
    '.TP',
    '.I ~/.docker/config.json',
    roff("docker's credentials, read by every command and written by login and logout."),
    '.SH ENVIRONMENT',
    roff(
      'REGISTRYCTL_CONFIG, REGISTRYCTL_SYSTEM_CONFIG, REGISTRYCTL_CERTS_D, REGISTRYCTL_DEFAULT_REGISTRY, REGISTRYCTL_TIMEOUT, REGISTRYCTL_RETRIES, REGISTRYCTL_CONCURRENCY, REGISTRYCTL_CA_FILE, REGISTRYCTL_INSECURE, REGISTRYCTL_CREDENTIALS, DOCKER_CONFIG, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS.',
    ),
    '.SH SEE ALSO',
    'docker\\-login(1), skopeo(1)',
  )
  return `${lines.join('\n')}\n`
}

/** package.json's `author` ("Name <email>" or {name, email}) as Debian's Maintainer field. */
function maintainer(pkg) {
  const author = typeof pkg.author === 'string' ? pkg.author.replace(/\s*\(.*\)$/, '') : pkg.author
  const field = typeof author === 'string' ? author : author?.email ? `${author.name} <${author.email}>` : undefined
  if (!field || !/^[^<>]+ <[^\s<>@]+@[^\s<>@]+>$/.test(field))
    throw new Error('package.json needs "author": "Name <email>" for the Maintainer field')
  return field
}

function homepage(pkg) {
  if (!/^https:\/\/\S+$/.test(pkg.homepage ?? '')) throw new Error('package.json needs "homepage": "https://…"')
  return pkg.homepage
}

/** `engines.node` (">=18.19") as the nodejs dependency: the one place the supported Node is declared. */
function nodeDependency(pkg) {
  const minimum = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(pkg.engines?.node ?? '')?.[1]
  if (!minimum) throw new Error(`package.json engines.node must be ">=VERSION", not ${pkg.engines?.node}`)
  return `nodejs (>= ${minimum})`
}

function control(pkg, installedKb) {
  return `Package: ${BIN}
Version: ${pkg.version}
Architecture: all
Maintainer: ${maintainer(pkg)}
Installed-Size: ${installedKb}
Depends: ${nodeDependency(pkg)}
Section: admin
Priority: optional
Homepage: ${homepage(pkg)}
Description: operate container registries over the OCI distribution API
 registryctl lists repositories and tags, resolves and inspects manifests,
 deletes tags safely (a plan, a confirmation, re-checks before each delete),
 reports garbage-collection state and runs smoke tests on every node.
 .
 It is a drop-in replacement for docker-registryctl: the same output
 formats and options, plus per-registry settings and docker-compatible
 login and logout.
`
}

function copyright(pkg) {
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ${BIN}

Files: *
Copyright: 2024-2026 the registryctl authors
License: ${pkg.license}

Files: usr/lib/registryctl/node_modules/*
Copyright: 2010-2026 the authors of each module (see its package.json and license file)
License: various (MIT, ISC, Apache-2.0 and BSD licences, as each module states)

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be
 found in /usr/share/common-licenses/Apache-2.0.
`
}

function changelog(pkg, date) {
  return `${BIN} (${pkg.version}) unstable; urgency=medium

  * Package built from the registryctl sources.

 -- ${maintainer(pkg)}  ${date.toUTCString().replace('GMT', '+0000')}
`
}

/** Production dependencies as installed: top-level node_modules folders `npm ls --omit=dev` names. */
function productionModules(root) {
  let output = ''
  try {
    output = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
  } catch (error) {
    // npm ls exits 1 on extraneous packages; its list is still right.
    output = error.stdout ?? ''
  }

  const tops = new Set()
  for (const path of output.split('\n').filter(Boolean)) {
    const rel = relative(root, path)
    const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(rel)
    if (match) tops.add(match[1])
  }

  return [...tops].sort()
}

/** Files 0644, folders and the executables given 0755, recursively. */
function normaliseModes(dir, executables) {
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isSymbolicLink()) continue
    if (entry.isDirectory()) {
      chmodSync(path, 0o755)
      normaliseModes(path, executables)
    } else {
      // Scripts (a #! line) stay executable, as their packages ship them.
      const script = readFileSync(path).subarray(0, 2).toString() === '#!'
      chmodSync(path, executables.has(path) || script ? 0o755 : 0o644)
    }
  }
}

function sizeKb(dir) {
  let bytes = 0
  const walk = (folder) => {
    for (const entry of readdirSync(folder, {withFileTypes: true})) {
      const path = join(folder, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.isFile()) bytes += statSync(path).size
    }
  }

  walk(dir)
  return Math.ceil(bytes / 1024)
}

/** Build the .deb into `out`; returns its path. */
export function buildPackage({root = ROOT, out = root, date = new Date()} = {}) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const manifestPath = join(root, 'oclif.manifest.json')
  if (!existsSync(manifestPath)) throw new Error('no oclif.manifest.json: run npm run build first')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  const staging = mkdtempSync(join(tmpdir(), 'registryctl-deb-'))
  chmodSync(staging, 0o755)
  try {
    const lib = join(staging, 'usr/lib', BIN)
    mkdirSync(lib, {recursive: true})
    writeFileSync(join(lib, 'package.json'), readFileSync(join(root, 'package.json')))
    for (const entry of pkg.files ?? []) {
      if (existsSync(join(root, entry)))
        cpSync(join(root, entry), join(lib, entry), {
          recursive: true,
          filter: (source) => !/\.(?:map|d\.ts)$/.test(source) && !source.endsWith('/bin/dev.js'),
        })
    }

    for (const name of productionModules(root)) {
      cpSync(join(root, 'node_modules', name), join(lib, 'node_modules', name), {
        recursive: true,
        dereference: true,
        // What a running program never reads: source maps, type declarations, markdown, dot-files.
        filter: (source) => !/\.(?:map|d\.ts|d\.mts|d\.cts|md|markdown)$/i.test(source) && !/\/\.[^/]+$/.test(source),
      })
    }

    const wrapper = join(staging, 'usr/bin', BIN)
    mkdirSync(dirname(wrapper), {recursive: true})
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec /usr/bin/node /usr/lib/${BIN}/${pkg.bin?.[BIN]?.replace(/^\.\//, '') ?? 'bin/run.js'} "$@"\n`,
    )
    const man = join(staging, 'usr/share/man/man1', `${BIN}.1.gz`)
    mkdirSync(dirname(man), {recursive: true})
    writeFileSync(man, gzipSync(manPage(manifest, pkg, date), {level: 9}))
    const bash = join(staging, 'usr/share/bash-completion/completions', BIN)
    mkdirSync(dirname(bash), {recursive: true})
    writeFileSync(bash, bashCompletion(manifest))
    const zsh = join(staging, 'usr/share/zsh/vendor-completions', `_${BIN}`)
    mkdirSync(dirname(zsh), {recursive: true})
    writeFileSync(zsh, zshCompletion(manifest))
    const doc = join(staging, 'usr/share/doc', BIN)
    mkdirSync(doc, {recursive: true})
    writeFileSync(join(doc, 'copyright'), copyright(pkg))
    writeFileSync(join(doc, 'changelog.gz'), gzipSync(changelog(pkg, date), {level: 9}))
    normaliseModes(staging, new Set([wrapper]))

    const debian = join(staging, 'DEBIAN')
    mkdirSync(debian, {mode: 0o755})
    writeFileSync(join(debian, 'control'), control(pkg, sizeKb(join(staging, 'usr'))))
    chmodSync(join(debian, 'control'), 0o644)
    mkdirSync(out, {recursive: true})
    const deb = join(out, `${BIN}_${pkg.version}_all.deb`)
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', staging, deb], {
      stdio: ['ignore', 'ignore', 'inherit'],
    })
    return deb
  } finally {
    rmSync(staging, {recursive: true, force: true})
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outIndex = process.argv.indexOf('--out')
  const deb = buildPackage({out: outIndex > 0 ? resolve(process.argv[outIndex + 1]) : ROOT})
  console.log(deb)
}
