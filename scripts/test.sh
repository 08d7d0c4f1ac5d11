#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with the .NET 10 SDK: restores, builds and runs every test
# project. TRX results land in artifacts/test-results (the CI script counts them).
set -euo pipefail
cd "$(dirname "$0")/.."

results="$PWD/artifacts/test-results"
rm -rf "$results"
dotnet test OpenImAuth.slnx --results-directory "$results" --report-trx "$@"
