#!/usr/bin/env bash
# Runs every test gonetify has, the way CI does: lint, Go unit tests with
# -race, and the end-to-end suite driven by the official dotnetify client.
# It installs what it needs (Go tools from the module proxy, npm packages).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==== %s (%s)\n' "$1" "$(date +%H:%M:%S)"; }

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "missing $1: $2" >&2
  exit 1
}
need go "install Go 1.26 (https://go.dev/dl) and put it on PATH"
need node "install Node.js 20 and npm (apt-get install nodejs npm)"
need npm "install npm (apt-get install npm)"

step "lint: gofmt, go vet, staticcheck"
make --no-print-directory lint

step "Go unit tests (-race)"
go test -race -count=1 ./...

step "end-to-end: official dotnetify@5.4.0 client against gonetify serve"
make --no-print-directory e2e

step "all tests passed"
