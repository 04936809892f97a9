#!/usr/bin/env bash
# Runs cfn-lint on every CloudFormation template we ship (deploy/**/*.yaml,
# *.yml, *.json, *.template) and fails if it reports anything, warnings
# included. Where cfn-lint is not installed it says so and skips
# (pip install cfn-lint to run it).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t templates < <(git ls-files 'deploy/*.yaml' 'deploy/*.yml' 'deploy/*.json' 'deploy/*.template' 2>/dev/null \
  || find deploy -name '*.yaml' -o -name '*.yml' -o -name '*.json' -o -name '*.template')
if [ "${#templates[@]}" -eq 0 ]; then
  echo "no CloudFormation templates found under deploy/" >&2
  exit 1
fi
if ! command -v cfn-lint >/dev/null 2>&1; then
  echo "cfn-lint is not installed: skipping the template lint (pip install cfn-lint to run it)"
  exit 0
fi
echo "cfn-lint $(cfn-lint --version 2>&1 | awk '{print $2}') on: ${templates[*]}"
# Exit codes: 0 clean; non-zero for errors (2), warnings (4), informational (8).
cfn-lint --format parseable -- "${templates[@]}"
echo "cfn-lint: clean"
