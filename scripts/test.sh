#!/bin/sh
# Runs parley's whole test suite on Debian: installs what the tests need
# (Prosody, tmux, a slixmpp peer, SQLite for Prosody's archive), then runs
# every Go test with the race detector, integration and end-to-end tests
# included. README and .ci/run both call this script.
set -eu
cd "$(dirname "$0")/.."

need="prosody tmux python3-slixmpp lua-dbi-sqlite3"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	as_root=""
	[ "$(id -u)" -eq 0 ] || as_root="sudo"
	$as_root apt-get update
	DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y $missing
fi

# A Prosody started by the package's own service would hold port 5222; the
# tests never use it (every test server takes a random loopback port).
go vet ./...
go test -race -timeout 15m -count=1 ./...
