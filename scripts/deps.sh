#!/bin/sh
# Installs, with apt-get, whatever cdp needs to build, test and run that is
# not installed yet.  Runs apt-get update once, and only when something is
# missing.  Needs root (or sudo) when it has something to install.  Then
# installs the test clients of test/node with npm (package-lock.json).
set -eu

PACKAGES="make gcc libc6-dev pkgconf perl libipc-run-perl
postgresql-15 postgresql-client-15 postgresql-server-dev-15
postgresql-15-cron libicu-dev libmicrohttpd-dev libcurl4-openssl-dev zlib1g-dev faketime valgrind
sqlsmith curl chromium"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Node.js and npm run the SDK tests (test/node): Debian's, unless the
# machine has them already (from another source, whose packages would
# conflict with Debian's).
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -z "$missing" ]; then
	echo "deps: every package is installed"
else
	echo "deps: installing$missing"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || { echo "deps: run as root (or install sudo) to install:$missing" >&2; exit 1; }
		SUDO=sudo
	fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# The test clients, as locked in test/node/package-lock.json, into
# test/node/node_modules (not committed): the Segment and RudderStack Node
# SDKs, analytics.js's browser bundle, and playwright-core, which drives
# Debian's Chromium (it downloads no browser).  No install scripts:
# nothing is built.
cd "$(dirname "$0")/../test/node"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	echo "deps: installing the SDKs of test/node with npm"
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
fi
