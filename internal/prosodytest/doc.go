// Package prosodytest runs a private Prosody XMPP server for integration
// tests, plus a scriptable second client (a python3-slixmpp peer) and a TCP
// proxy for fault injection.
//
// Each Start makes a temp dir with a generated configuration, a private CA
// and server certificate, the data dir and the pid file, and runs
// `prosody -F --config DIR/prosody.cfg.lua` as a child process listening
// only on random free loopback ports (c2s with STARTTLS required, optional
// direct TLS; s2s, components and HTTP are not bound), with a MUC component
// with archiving. Accounts are created with prosodyctl. Clients trust
// Server.CAFile and use ServerName "localhost".
//
// Requirements (Debian): prosody, lua-dbi-sqlite3 and, for Peer,
// python3-slixmpp run with /usr/bin/python3. Without prosody, tests are
// skipped, unless CI=true, where they fail.
//
// Debug logs: run the tests with PARLEY_PROSODY_DEBUG=1 (for example
// `PARLEY_PROSODY_DEBUG=1 go test -run TestX -v ./account/`) to make Prosody
// log every stanza; a failing test prints the whole Prosody log, and a peer's
// events and stderr are listed when a Peer.Wait times out.
package prosodytest
