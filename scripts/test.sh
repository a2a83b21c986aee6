#!/bin/sh
# Runs parley's whole test suite on Debian: installs what the tests need
# (Prosody and ejabberd, tmux, a slixmpp peer, an OMEMO peer, a D-Bus
# daemon, SQLite for Prosody's archive), then runs every Go test with the
# race detector, integration and end-to-end tests included, against both
# servers. README and .ci/run both call this script.
set -eu
cd "$(dirname "$0")/.."

need="prosody prosody-modules ejabberd tmux python3-slixmpp python3-aiohttp python3-cryptography lua-dbi-sqlite3 python3-omemo python3-oldmemo python3-xmlschema dbus-daemon"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	as_root=""
	[ "$(id -u)" -eq 0 ] || as_root="sudo"
	# The packages' own services (Prosody, ejabberd) would start a system
	# server on port 5222: a policy-rc.d that refuses every service start
	# keeps them down while they install (deb-systemd-invoke and
	# invoke-rc.d both obey it). One that is already there is left alone,
	# and a system server that already runs is never touched.
	policy=/usr/sbin/policy-rc.d
	ours=""
	if [ ! -e "$policy" ]; then
		$as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
		ours=1
	fi
	status=0
	$as_root apt-get update || status=$?
	[ "$status" -ne 0 ] || DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y $missing || status=$?
	[ -z "$ours" ] || $as_root rm -f "$policy"
	[ "$status" -eq 0 ] || exit "$status"
fi

# Every test server takes random loopback ports and a directory of its own
# (see internal/servertest): a system Prosody or ejabberd, if one runs, is
# neither used nor disturbed.
go vet ./...
go test -race -timeout 15m -count=1 ./...
