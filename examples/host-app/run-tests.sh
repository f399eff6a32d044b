#!/usr/bin/env bash
# Builds Lapse, packs it as it would be published (npm pack), installs that
# tarball into this example app, type-checks the app against the packed
# declarations and runs its tests, which start their own PostgreSQL server.
# Run from anywhere, after `npm ci` at the repository's root. Needs the
# PostgreSQL server programs (Debian: postgresql) and the npm registry, or
# npm's cache, for the example's own dependencies.
set -euo pipefail
example="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$example/../.." && pwd)"

cd "$root"
npm run build --silent
rm -rf "$example/.lapse"
mkdir -p "$example/.lapse"
tarball="$(npm pack --silent --pack-destination "$example/.lapse" | tail -n 1)"
echo "Packed Lapse: $tarball"

cd "$example"
# npm ci wipes and reinstalls node_modules: skip it when the lock file is the
# one last installed here.
if ! cmp -s package-lock.json node_modules/.installed-package-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund --prefer-offline --ignore-scripts
  cp package-lock.json node_modules/.installed-package-lock.json
fi
# Lapse itself is not in package.json: its tarball changes with every build,
# and a lock file would pin the hash of one build. It is installed as the
# tarball, never from src/.
rm -rf node_modules/lapse
npm install --no-save --no-audit --no-fund --prefer-offline --ignore-scripts ".lapse/$tarball"

npx tsc -p tsconfig.json --noEmit
# Lapse's lint rules, with this app's types (the root's lint leaves examples/ out).
(cd "$root" && npx eslint --no-ignore "$example/src" "$example/test")
npx jest --runInBand "$@"
