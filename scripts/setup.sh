#!/usr/bin/env bash
# Installs what registryctl's sandbox, tests and benchmarks need, and nothing that is already there:
# npm dependencies, and Debian's docker-registry (distribution 2.8), nginx, skopeo, openssl, curl,
# GNU time (benchmark memory), script (tests drive the prompt through a pseudo-terminal), chromium
# (the homepage's browser tests; playwright-core drives it and never downloads a browser),
# OpenStack Swift + memcached (gc status on Swift/S3 stores), and for the Debian package dpkg-deb,
# lintian and man; for the completion and Debian 12 nodejs tests zsh, bash-completion and unshare.
# Idempotent and quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A package_of=([docker-registry]=docker-registry [nginx]=nginx-light [skopeo]=skopeo [openssl]=openssl [curl]=curl [time]=time [script]=bsdutils [chromium]=chromium)
# gc status on object stores: a single-node OpenStack Swift (with s3api) on loopback, and memcached for tempauth.
package_of+=([swift-ring-builder]=swift [swift-proxy-server]=swift-proxy [swift-object-server]=swift-object [swift-container-server]=swift-container [swift-account-server]=swift-account [memcached]=memcached)
# npm run package: dpkg-deb builds the .deb, lintian checks it, man renders its man page in the tests.
package_of+=([dpkg-deb]=dpkg [lintian]=lintian [man]=man-db)
# The completion tests drive zsh and bash with bash-completion; the package tests run Debian 12's own
# nodejs (apt-get download, never installed) in a private mount namespace (unshare).
package_of+=([zsh]=zsh [unshare]=util-linux [apt-get]=apt)
missing=()
for command in "${!package_of[@]}"; do
  # By path, not `command -v`: `time` must be GNU time, not the shell keyword.
  if [ ! -x "/usr/bin/$command" ] && [ ! -x "/usr/sbin/$command" ]; then
    missing+=("${package_of[$command]}")
  fi
done
[ -f /usr/share/bash-completion/bash_completion ] || missing+=(bash-completion)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; install them (apt-get install ${missing[*]}) to run the sandbox and integration tests" >&2
    exit 1
  fi
fi

# npm ci when node_modules is absent or older than the lock file.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
