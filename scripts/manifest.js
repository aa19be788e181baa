/** What the man page and the completions read from oclif's manifest (oclif.manifest.json). */

/** The commands users see (not hidden), by id. */
export const sortedCommands = (manifest) =>
  Object.values(manifest.commands)
    .filter((command) => !command.hidden)
    .sort((a, b) => a.id.localeCompare(b.id))

/** A command's flags users see (not hidden), by name. */
export const visibleFlags = (command) =>
  Object.values(command.flags)
    .filter((flag) => !flag.hidden)
    .sort((a, b) => a.name.localeCompare(b.name))
