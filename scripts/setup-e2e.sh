#!/usr/bin/env bash
# Installs what the end-to-end tests need to run a real VS Code headless, from Debian's packages and the
# npm registry only: Debian chromium (driven by playwright-core), libkrb5-dev and ripgrep (for
# code-server's native modules), Python's matplotlib, pandas and venv, and code-server@4.100.3 (VS Code 1.100.3, the last on Node 20) in
# .e2e/code-server, outside the project's node_modules. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD/.e2e"
CS_VERSION=4.100.3
CS_DIR="$ROOT/code-server"
SERVER_MAIN="$CS_DIR/node_modules/code-server/lib/vscode/out/server-main.js"
mkdir -p "$ROOT/tmp"

if ! command -v chromium >/dev/null || ! [ -e /usr/include/gssapi/gssapi.h ] || ! command -v rg >/dev/null; then
  echo "setup-e2e: installing chromium, libkrb5-dev, ripgrep (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium libkrb5-dev ripgrep >/dev/null
fi

# The interactive workflow's tests plot with matplotlib and show pandas DataFrames (the variables
# explorer's too), and make a workspace .venv (with the system's packages) for the interpreter choice
# to find: Debian's own Python packages.
if ! /usr/bin/python3 -c 'import matplotlib, pandas, numpy, venv, ensurepip' 2>/dev/null; then
  echo "setup-e2e: installing python3-matplotlib, python3-pandas, python3-numpy, python3-venv (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-matplotlib python3-pandas python3-numpy python3-venv >/dev/null
fi

if [ ! -d node_modules/playwright-core ]; then
  echo "setup-e2e: installing the dev dependencies (playwright-core, @vscode/vsce)"
  npm install --no-audit --no-fund >/dev/null
fi

if [ -f "$SERVER_MAIN" ] && [ -d "$CS_DIR/node_modules/code-server/lib/vscode/node_modules/node-pty/build" ]; then
  echo "setup-e2e: code-server $CS_VERSION ready in $CS_DIR"
  exit 0
fi

echo "setup-e2e: installing code-server@$CS_VERSION into $CS_DIR (about 300 MB, a minute or two)"
mkdir -p "$CS_DIR/pack"
# @vscode/ripgrep's postinstall downloads rg from GitHub; seed its download cache with Debian's rg.
export TMPDIR="$ROOT/tmp"
(
  cd "$CS_DIR/pack"
  TGZ="code-server-$CS_VERSION.tgz"
  [ -f "$TGZ" ] || npm pack "code-server@$CS_VERSION" >/dev/null 2>&1
  RGV=$(tar -xzOf "$TGZ" package/lib/vscode/npm-shrinkwrap.json | node -e '
    const s = JSON.parse(require("fs").readFileSync(0, "utf8")); const p = s.packages["node_modules/@vscode/ripgrep"]; console.log(p ? p.version : "")')
  if [ -n "$RGV" ]; then
    [ -f "vscode-ripgrep-$RGV.tgz" ] || npm pack "@vscode/ripgrep@$RGV" >/dev/null 2>&1
    RGTAG=$(tar -xzOf "vscode-ripgrep-$RGV.tgz" package/lib/postinstall.js | sed -n "s/^const VERSION = '\(.*\)';/\1/p")
    CACHE="$TMPDIR/vscode-ripgrep-cache-$RGV"
    mkdir -p "$CACHE" rgseed
    cp "$(command -v rg)" rgseed/rg
    tar -czf "$CACHE/ripgrep-$RGTAG-x86_64-unknown-linux-musl.tar.gz" -C rgseed rg
  fi
)
cd "$CS_DIR"
[ -f package.json ] || echo '{"private":true}' > package.json
# node-pty's postinstall runs npx node-gyp (npm_config_yes); code-server refuses root without unsafe_perm;
# node-gyp finds Node's headers in /usr instead of downloading them.
npm_config_yes=true npm_config_unsafe_perm=true npm_config_nodedir=/usr \
  npm install --no-audit --no-fund --foreground-scripts "code-server@$CS_VERSION" > install.log 2>&1 || { tail -40 install.log; exit 1; }
[ -f "$SERVER_MAIN" ] || { echo "setup-e2e: $SERVER_MAIN missing after install" >&2; exit 1; }
echo "setup-e2e: code-server $CS_VERSION installed ($(du -sh node_modules | cut -f1))"
