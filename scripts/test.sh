#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with the .NET 10 SDK and Node 20+: installs the JS SDK that the
# end-to-end tests drive (tests/js, exactly as locked), restores, builds and runs every test project. TRX results
# land in artifacts/test-results (the CI script counts them).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "scripts/test.sh: node and npm are needed for the SDK tests (apt-get install nodejs npm)" >&2
  exit 1
fi
# npm ci only when tests/js/node_modules is missing or differs from the lock (npm keeps its own record of what it
# installed in node_modules/.package-lock.json), so that a rerun needs no registry.
if ! node -e '
  const fs = require("fs");
  const read = (file) => Object.entries(JSON.parse(fs.readFileSync(file)).packages)
    .filter(([path]) => path !== "").map(([path, p]) => `${path}@${p.version}:${p.integrity}`).sort().join("\n");
  process.exit(read("tests/js/package-lock.json") === read("tests/js/node_modules/.package-lock.json") ? 0 : 1);
' 2>/dev/null; then
  if ! npm ci --prefix tests/js --no-audit --no-fund; then
    echo "scripts/test.sh: npm ci in tests/js failed; the SDK tests cannot run" >&2
    exit 1
  fi
fi

results="$PWD/artifacts/test-results"
rm -rf "$results"
dotnet test OpenImAuth.slnx --results-directory "$results" --report-trx "$@"
