// Package sm implements XEP-0198 stream management (urn:xmpp:sm:3) for
// mellium.im/xmpp v0.22.0 client sessions: acknowledgements, a bounded queue
// of unacknowledged stanzas, and session resumption with resending.
//
// # Wiring
//
// Keep one State per account across connections. For each connection:
//
//	st := sm.New(sm.Options{OnDrop: report})            // once per account
//	tcp, _ := net.Dial("tcp", addr)
//	features := append([]xmpp.StreamFeature{
//		st.StartTLS(tlsConfig),                          // instead of xmpp.StartTLS
//		xmpp.SASL("", pass, sasl.ScramSha256, sasl.ScramSha1),
//	}, st.Features("parley")...)                        // instead of xmpp.BindResource
//	s, err := xmpp.NewClientSession(ctx, account, sm.Limit(tcp), features...)
//	go s.Serve(st.Handler(mux))                          // every element goes through st.Handler
//	switch st.Outcome() {
//	case sm.Resumed:      // nothing to redo; s.LocalAddr() is the old full JID
//	case sm.Fresh, sm.ResumeFailed:
//		// full login: roster, presence, rooms, archive catch-up;
//		// for ResumeFailed also decide about st.Pending()
//	}
//
// For direct TLS (XEP-0368) wrap the *tls.Conn and tell mellium it is
// secure, since it only recognises an unwrapped *tls.Conn:
//
//	s, err := xmpp.NewSession(ctx, account.Domain(), account, st.Wrap(tlsConn), xmpp.Secure,
//		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
//			return xmpp.StreamConfig{Features: features}
//		}))
//
// Rules for the caller: wrap a new connection only after Serve on the old
// session has returned; do not set StreamConfig.TeeIn/TeeOut (mellium would
// put its own connection between the decoder and the wrapped one and
// negotiation stops with ErrNotWrapped); after a deliberate logout call
// Reset. On reconnect the caller may dial Stats().Location if the server
// gave one (untrusted: parse it as host:port and keep verifying the
// certificate against the account's domain). A Send that returned an error
// may still have reached the queue (the bytes were counted before the socket
// write failed): after Resumed the State sends it again itself, so an outbox
// must not resend it; after ResumeFailed it is in Pending.
//
// # Negotiation
//
// mellium negotiates the features of a list one at a time, optional ones
// first, and the session is Ready after the required bind feature; it has
// no hook between binding and Ready. So Features replaces BindResource with
// one bind feature that does all of XEP-0198's post-authentication work:
// if the server offered urn:xmpp:sm:3 (noted by a second, informational
// feature while the features list is read) and a resumable session exists,
// it sends <resume/> instead of binding; on <resumed/> the session keeps the
// old full JID (set with Session.UpdateAddr before Ready, so LocalAddr is
// right) and unacknowledged stanzas are written again in order. Otherwise,
// or on <failed/>, it binds the resource itself (mellium's bind never sends
// the requested resource) and sends <enable resume='true'/>.
//
// # Counting
//
// XEP-0198 counts stanzas, not nonzas, in both directions. mellium writes
// stanzas from many places the caller does not see (Serve's automatic
// service-unavailable replies to IQs, SendIQ and its users) and consumes
// the IQ results that answer SendIQ without passing them to any handler, so
// counting in handlers or in Send wrappers would miss stanzas. Counting
// happens instead on the connection under mellium's XML decoder and
// encoder: Wrap returns a net.Conn whose tracker follows the element depth
// of each direction byte by byte (tags, quoted attribute values, CDATA,
// comments, processing instructions, stream restarts) and sees every
// top-level element, stanza or not, whoever wrote it. Outbound, each
// completed stanza is counted and its bytes kept before they go to the
// socket, so a stanza whose write failed is resent on resume. Inbound, the
// wrapper implements io.ByteReader so encoding/xml reads it without a
// buffer of its own: a stanza is counted when the decoder consumes its last
// byte, while Serve handles it; bytes read from the socket but not consumed
// are not counted and the server will send them again. The wrapper must sit
// below TLS, hence StartTLS.
//
// # The fast path for messages
//
// Byte by byte through encoding/xml, a chat message costs mellium's decoder
// about 10 µs. With State.FastPath, a <message/> that lies whole in the
// read buffer between top-level elements (read ahead when a read cut it)
// is read instead by package xmltok, which understands the subset of XML
// servers write for ordinary stanzas and returns the same tokens
// encoding/xml would (fuzzed for equivalence); the handler given to Serve
// gets them directly, with a writer to the session, and the decoder never
// sees the message. Anything outside the subset (CDATA, comments,
// character references, carriage returns, unbound prefixes, a message
// larger than the buffer) takes the ordinary path, where encoding/xml
// also reports malformed input. The message is counted as on the ordinary
// path; a Tap sees it through the tracker; limits cannot be passed (the
// buffer is smaller than MaxStanzaSize and xmltok follows no deeper than
// MaxDepth).
//
// A read that fails (a deadline that passed while the machine was
// suspended, a reset) gives the connection up: nothing more is written on
// it, so mellium's exit path cannot send </stream:stream> or a stream error
// on a link that may still be open, and the server keeps the session
// resumable for the next connection. Writes then fail with the read's
// error.
//
// # Limits
//
// The inbound tracker also bounds what the server can make the client
// read, before the XML decoder holds any of it: a top-level element over
// MaxStanzaSize bytes, a run of bytes (one text, one tag, the space between
// elements) over MaxStanzaSize, or nesting deeper than MaxDepth fails the
// read with a *LimitError and gives the connection up. A refused stanza is
// counted as handled, so a resumed session does not bring it back. A reply
// read in parts as it streams (a roster of 100,000 items) can be allowed
// more with State.AllowLarge for its IQ id. Limit applies the same limits
// to the plaintext before STARTTLS, which Wrap does not see. A stream error gives the
// connection up as well: writes then fail with it (mellium would echo it
// to the server), with its condition and at most 1 KiB of its text, also
// when it is too large to read whole.
//
// # Tap
//
// State.SetTap shows copies of the top-level elements crossing the current
// connection to a Tap (the XML console), in both directions, stanzas sent
// again on resume among them, but only after the connection authenticated:
// the TLS and SASL negotiation never reaches it (tap.go). Without a Tap
// nothing is captured for it.
//
// Acknowledgements are requested automatically: after a write that leaves
// stanzas unacknowledged, an <r/> rides in the same write unless one is
// outstanding; when its <a/> arrives and more stanzas were sent meanwhile,
// the handler asks again. The server's <r/> is answered with the count
// received so far. Both are paced (pace.go): the first after a quiet spell
// goes out at once, the next within 100 ms of the last waits for a timer,
// so a flood costs at most one request and one answer each way per 100 ms
// instead of a round per stanza. Counters wrap at 2^32. Everything from the server is
// untrusted: an h above what was sent is a HandledError, answered with the
// stream error XEP-0198 prescribes; it never panics.
package sm
