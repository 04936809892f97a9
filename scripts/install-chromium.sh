#!/usr/bin/env bash
# Installs Debian's chromium at /usr/bin/chromium for the browser tests
# (test/browser, driven by playwright-core). Idempotent: does nothing when it
# is already there. Needs root (or sudo) and the Debian package mirror; it
# never downloads a browser build from anywhere else.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-chromium: apt-get not found; install Debian's 'chromium' package by hand so that $CHROMIUM exists" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-chromium: must run as root (or with sudo available) to apt-get install chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-chromium: apt-get update"
if ! $SUDO apt-get update -q; then
  echo "install-chromium: 'apt-get update' failed (is the Debian mirror reachable?)" >&2
  exit 1
fi
echo "install-chromium: apt-get install chromium"
if ! $SUDO apt-get install -y -q --no-install-recommends chromium; then
  echo "install-chromium: 'apt-get install chromium' failed" >&2
  exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
  echo "install-chromium: the chromium package installed, but $CHROMIUM is missing" >&2
  exit 1
fi
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
