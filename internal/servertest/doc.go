// Package servertest runs a private XMPP server for integration tests,
// Prosody or ejabberd behind one Server type, plus a scriptable second
// client (a python3-slixmpp peer) and a TCP proxy for fault injection.
//
// A test runs against every server with Each:
//
//	func TestX(t *testing.T) {
//		servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
//			s := servertest.Start(t, kind, servertest.WithSMTimeout(time.Minute))
//			alice := s.AddUser(t, "alice", "pw")
//			...
//		})
//	}
//
// which makes the subtests TestX/prosody and TestX/ejabberd. A test that
// needs something one server lacks calls s.Require(t, feature): it skips
// on that server only, naming why. Tests that read a server's log go
// through s.Logged(event), which knows what each server writes.
//
// Each Start makes a temp dir with a generated configuration, a private CA
// and server certificate and the data dir, and runs the server as a child
// process listening only on random free loopback ports (c2s with STARTTLS
// required, optionally direct TLS; s2s, components and other listeners are
// not bound, and port 5222 is never used), with a MUC service with
// archiving at MUC. Clients trust Server.CAFile and use ServerName
// "localhost".
//
//   - Prosody: `prosody -F --config DIR/prosody.cfg.lua`; accounts with
//     prosodyctl.
//   - ejabberd: the Erlang VM (`erl -noinput -s ejabberd`) without
//     distribution (no epmd, no node name, no cookie), run as the ejabberd
//     user when the tests run as root; configuration, Mnesia database, log
//     and certificate in a directory of its own; accounts through its HTTP
//     API on a private loopback port. A system ejabberd is never touched.
//
// Requirements (Debian): prosody and lua-dbi-sqlite3, ejabberd, and for
// Peer python3-slixmpp run with /usr/bin/python3. A server that is not
// installed skips its subtests, unless CI=true, where they fail.
// PARLEY_SERVERS=prosody (or ejabberd, or both comma-separated) limits Each
// to those servers while iterating.
//
// Debug logs: PARLEY_SERVER_DEBUG=1 (for example
// `PARLEY_SERVER_DEBUG=1 go test -run TestX/ejabberd -v ./account/`) makes
// the servers log every stanza; a failing test prints the whole server log,
// and a peer's events and stderr are listed when a Peer.Wait times out.
package servertest
