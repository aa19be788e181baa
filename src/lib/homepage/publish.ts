/**
 * Publishing a site atomically, for web servers that serve it while a timer rebuilds it.
 *
 * Layout, for `--out /srv/homepage`:
 *   /srv/homepage                          a symlink to the live version
 *   /srv/.homepage.versions/<id>/          one folder per build (<id> sorts by build time)
 *   /srv/.homepage.versions/state.json     the incremental state (default --state)
 *
 * A build writes a new version folder completely, then a new symlink beside DIR is renamed over
 * DIR: rename(2) is atomic, so a request sees the old site or the new one, never a mix or a gap.
 * The previous version is kept (requests in flight may still read it); older ones are removed, newer
 * ones (a build run meanwhile) are left to their build.
 * A failed build removes its own folder and leaves DIR as it was.
 */
import {randomBytes} from 'node:crypto'
import {lstat, mkdir, readdir, readlink, rename, rm, rmdir, symlink, writeFile} from 'node:fs/promises'
import {basename, dirname, join, resolve} from 'node:path'

import pLimit from 'p-limit'

import {UsageError} from '../errors.js'

export interface SiteFile {
  /** Relative to the site root, `/`-separated. */
  path: string
  content: string
}

export interface SiteLayout {
  /** The path the web server serves (a symlink). */
  out: string
  /** Where version folders live. */
  versions: string
  /** Default state file. */
  state: string
}

export function siteLayout(out: string): SiteLayout {
  const absolute = resolve(out)
  const versions = join(dirname(absolute), `.${basename(absolute)}.versions`)
  return {out: absolute, versions, state: join(versions, 'state.json')}
}

/** A sortable, unique version name: UTC time to the millisecond, then random. */
function versionId(now = new Date()): string {
  return `${now.toISOString().replaceAll(/[-:.]/g, '').replace('T', '-')}-${randomBytes(3).toString('hex')}`
}

/**
 * Check that DIR can be swapped: absent, a symlink (ours), or an empty folder (removed, to be
 * replaced by the symlink). Anything else is refused before any request is made.
 */
export async function checkTarget(layout: SiteLayout): Promise<{previous?: string}> {
  let stats
  try {
    stats = await lstat(layout.out)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw error
  }

  if (stats.isSymbolicLink()) return {previous: await readlink(layout.out)}
  if (stats.isDirectory() && (await readdir(layout.out)).length === 0) return {}
  throw new UsageError(`${layout.out} exists and is not a symlink to a registryctl homepage version`, {
    hint: 'the homepage is published as a symlink to a versioned folder, so it can be swapped atomically: remove it or pick another --out',
  })
}

async function writeVersion(folder: string, files: SiteFile[]): Promise<void> {
  await mkdir(folder, {recursive: true})
  const folders = new Set(files.map((file) => dirname(join(folder, file.path))))
  for (const path of [...folders].sort()) await mkdir(path, {recursive: true})
  const limit = pLimit(32)
  await Promise.all(files.map((file) => limit(() => writeFile(join(folder, file.path), file.content))))
}

/** Write the files as a new version and swap DIR to it. Returns the version folder. */
export async function publishSite(
  layout: SiteLayout,
  files: SiteFile[],
): Promise<{version: string; previous?: string}> {
  const {previous} = await checkTarget(layout)
  await mkdir(layout.versions, {recursive: true})
  const id = versionId()
  const folder = join(layout.versions, id)
  const link = join(dirname(layout.out), `.${basename(layout.out)}.link-${id}`)
  try {
    await writeVersion(folder, files)
    // Relative, so the pair can be moved or mounted elsewhere together.
    await symlink(join(basename(layout.versions), id), link)
    const stats = await lstat(layout.out).catch(() => undefined)
    if (stats?.isDirectory()) await rmdir(layout.out)
    await rename(link, layout.out)
  } catch (error) {
    await rm(link, {force: true})
    await rm(folder, {recursive: true, force: true})
    throw error
  }

  await pruneVersions(layout, id, previous)
  return {version: folder, previous: previous ? resolve(dirname(layout.out), previous) : undefined}
}

/**
 * Remove the versions older than the one this build replaced. That one is kept (requests in flight
 * may still read it), and so is anything newer: a build run meanwhile (by hand, beside the timer)
 * that has not swapped yet must not lose its folder under it.
 */
async function pruneVersions(layout: SiteLayout, current: string, previous: string | undefined): Promise<void> {
  if (!previous || dirname(resolve(dirname(layout.out), previous)) !== layout.versions) return
  const replaced = basename(previous)
  const entries = await readdir(layout.versions, {withFileTypes: true})
  await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && entry.name < replaced && entry.name !== current)
      .map((entry) => rm(join(layout.versions, entry.name), {recursive: true, force: true})),
  )
}
