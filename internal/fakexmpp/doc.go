// Package fakexmpp is a scripted fake XMPP server for attack tests: it
// speaks raw XML over TLS on a random loopback port with a private CA, does
// just enough of a server's part for a client to log in (STARTTLS, SASL
// PLAIN, resource binding), and then lets the test write any bytes it likes
// to the client (a 200 MB stanza streamed from a generator, a million
// nested elements, a mid-session stream error) and answer the client's
// stanzas itself.
//
//	srv := fakexmpp.Start(t, fakexmpp.Options{
//		Handle: func(c *fakexmpp.Conn, e fakexmpp.Element) bool {
//			if e.IsIQ("get", "jabber:iq:roster") {
//				c.WriteFrom(rosterResult(e.Attr("id")))
//				return true
//			}
//			return false // the default answer
//		},
//	})
//	cfg := account.Config{Host: srv.Host, Port: srv.Port, CAFile: srv.CAFile, ...}
//	c := srv.Accept(t) // the next client that logged in
//	c.WriteFrom(hugeStanza)
//
// Options.PreTLS sends hostile bytes in the clear instead of the first
// stream features, as a man in the middle before STARTTLS could.
//
// Every client stanza the test's Handle does not take gets a default
// answer: an IQ get or set an empty result, anything else nothing. The
// server holds no stream state beyond that: no roster, presence routing,
// stream management or archive.
//
// The certificate is for Domain ("localhost") and the loopback addresses,
// signed by a CA in CAFile (written with servertest.WriteCerts). The
// server trusts its client (it is the code under test that reads hostile
// bytes, not the server); it needs no package installed.
package fakexmpp
