package omemo

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmlstream"
	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
	"mellium.im/xmpp/stanza"

	"parley/internal/servertest"
	"parley/omemo/axolotl"
	"parley/omemo/keystore"
)

const interopWait = 30 * time.Second

// goClient is the minimal Go OMEMO client of the interop tests: a mellium
// session, a Manager, PEP publish and fetch by hand, and a queue of
// decrypted messages. Its stanza handler only copies stanzas out; the
// decryption (disk I/O) runs behind it.
type goClient struct {
	s    *xmpp.Session
	m    *Manager
	jid  jid.JID
	in   chan []byte
	got  chan result
	done chan struct{}

	mu   sync.Mutex
	last *axolotl.Encrypted // the last element decrypted
}

type result struct {
	d   *Decrypted
	err error
}

func dialGo(t *testing.T, srv *servertest.Server, j jid.JID, pass string) *goClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interopWait)
	defer cancel()
	conn, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	s, err := xmpp.NewClientSession(ctx, j, conn,
		xmpp.StartTLS(srv.TLSConfig(t)),
		xmpp.SASL("", pass, sasl.ScramSha256, sasl.ScramSha1),
		xmpp.BindResource())
	if err != nil {
		conn.Close()
		t.Fatalf("session for %s: %v", j, err)
	}
	st, err := keystore.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &goClient{s: s, m: New(st, j.Bare().String()), jid: s.LocalAddr(), in: make(chan []byte, 256), got: make(chan result, 256), done: make(chan struct{})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = s.Serve(xmpp.HandlerFunc(c.handle))
	}()
	go c.decryptLoop()
	t.Cleanup(func() {
		s.Close()
		conn.Close()
		<-served
		close(c.in)
		<-c.done
	})
	if err := s.Send(ctx, xmlstream.Wrap(nil, xml.StartElement{Name: xml.Name{Local: "presence"}})); err != nil {
		t.Fatal(err)
	}
	// Publish our bundle, then add our device to our list.
	b, err := c.m.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.publish(ctx, axolotl.NodeBundlePrefix+fmt.Sprint(c.m.DeviceID()), b.TokenReader()); err != nil {
		t.Fatalf("publish bundle: %v", err)
	}
	own, err := c.fetchDeviceList(ctx, j.Bare())
	if err != nil {
		t.Fatalf("own device list: %v", err)
	}
	list, _ := c.m.OwnDeviceList(own)
	if err := c.publish(ctx, axolotl.NodeDeviceList, list.TokenReader()); err != nil {
		t.Fatalf("publish device list: %v", err)
	}
	return c
}

// handle copies a message out and returns: it never waits.
func (c *goClient) handle(r xmlstream.TokenReadEncoder, start *xml.StartElement) error {
	if start.Name.Local != "message" {
		return nil
	}
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	if err := enc.EncodeToken(*start); err != nil {
		return nil
	}
	if _, err := xmlstream.Copy(enc, r); err != nil {
		return nil
	}
	if enc.Flush() != nil {
		return nil
	}
	select {
	case c.in <- buf.Bytes():
	default: // full: dropped, the test will time out and say so
	}
	return nil
}

func (c *goClient) decryptLoop() {
	defer close(c.done)
	for b := range c.in {
		from, e, err := parseMessage(b)
		if err != nil {
			c.got <- result{nil, err}
			continue
		}
		if e == nil {
			continue
		}
		c.mu.Lock()
		m := c.m
		c.mu.Unlock()
		d, err := m.Decrypt(from, e)
		if err == nil {
			c.mu.Lock()
			c.last = e
			c.mu.Unlock()
		}
		c.got <- result{d, err}
	}
}

// parseMessage returns the sender's bare JID and the <encrypted> element
// of a message, if any.
func parseMessage(b []byte) (string, *axolotl.Encrypted, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var from string
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return from, nil, nil
			}
			return "", nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Local == "message" {
			for _, a := range se.Attr {
				if a.Name.Local == "from" {
					if j, err := jid.Parse(a.Value); err == nil {
						from = j.Bare().String()
					}
				}
			}
		}
		if se.Name.Local == "encrypted" && se.Name.Space == axolotl.NS {
			e, err := axolotl.ParseEncrypted(se, d)
			return from, e, err
		}
	}
}

var publishOptions = `<publish-options><x xmlns="jabber:x:data" type="submit">` +
	`<field var="FORM_TYPE" type="hidden"><value>http://jabber.org/protocol/pubsub#publish-options</value></field>` +
	`<field var="pubsub#access_model"><value>open</value></field></x></publish-options>`

func (c *goClient) publish(ctx context.Context, node string, payload xml.TokenReader) error {
	inner, err := tokensOf(payload)
	if err != nil {
		return err
	}
	x := `<pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="` + node + `"><item id="current">` + inner + `</item></publish>` + publishOptions + `</pubsub>`
	_, err = c.iq(ctx, stanza.SetIQ, jid.JID{}, x)
	return err
}

func tokensOf(r xml.TokenReader) (string, error) {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	if _, err := xmlstream.Copy(enc, r); err != nil {
		return "", err
	}
	err := enc.Flush()
	return buf.String(), err
}

// iq sends an IQ with a payload given as XML and returns the reply,
// serialized; an error reply is an error.
func (c *goClient) iq(ctx context.Context, typ stanza.IQType, to jid.JID, payload string) ([]byte, error) {
	d := xml.NewDecoder(strings.NewReader(payload))
	resp, err := c.s.SendIQElement(ctx, d, stanza.IQ{Type: typ, To: to})
	if err != nil {
		return nil, err
	}
	defer resp.Close()
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	if _, err := xmlstream.Copy(enc, resp); err != nil {
		return nil, err
	}
	enc.Flush()
	if bytes.Contains(buf.Bytes(), []byte(`type="error"`)) {
		return buf.Bytes(), errors.New("iq error: " + buf.String())
	}
	return buf.Bytes(), nil
}

// fetch returns a decoder positioned inside the first item of node at to,
// with the item's payload start element; ok false when there is none.
func (c *goClient) fetch(ctx context.Context, to jid.JID, node string) (*xml.Decoder, xml.StartElement, bool, error) {
	b, err := c.iq(ctx, stanza.GetIQ, to, `<pubsub xmlns="http://jabber.org/protocol/pubsub"><items node="`+node+`"/></pubsub>`)
	if err != nil {
		if bytes.Contains(b, []byte("item-not-found")) {
			return nil, xml.StartElement{}, false, nil
		}
		return nil, xml.StartElement{}, false, err
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	inItem := false
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, xml.StartElement{}, false, nil
		}
		if se, ok := tok.(xml.StartElement); ok {
			if inItem {
				return d, se, true, nil
			}
			inItem = se.Name.Local == "item"
		}
	}
}

func (c *goClient) fetchDeviceList(ctx context.Context, to jid.JID) (*axolotl.DeviceList, error) {
	d, se, ok, err := c.fetch(ctx, to, axolotl.NodeDeviceList)
	if err != nil || !ok {
		return nil, err
	}
	return axolotl.ParseDeviceList(se, d)
}

// send encrypts body to every device of to (and our other devices),
// fetching device lists and missing bundles first, as the account layer
// will.
func (c *goClient) send(t *testing.T, to jid.JID, body string) *axolotl.Encrypted {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interopWait)
	defer cancel()
	for _, j := range []jid.JID{to.Bare(), c.jid.Bare()} {
		l, err := c.fetchDeviceList(ctx, j)
		if err != nil {
			t.Fatalf("device list of %s: %v", j, err)
		}
		if l != nil {
			c.m.SetDeviceList(j.String(), l)
		}
	}
	for _, a := range c.m.NeedBundles(to.Bare().String()) {
		d, se, ok, err := c.fetch(ctx, jid.MustParse(a.JID), axolotl.NodeBundlePrefix+fmt.Sprint(a.Device))
		if err != nil || !ok {
			t.Fatalf("bundle of %s/%d: %v %v", a.JID, a.Device, ok, err)
		}
		b, err := axolotl.ParseBundle(se, d)
		if err != nil {
			t.Fatalf("bundle of %s/%d: %v", a.JID, a.Device, err)
		}
		if err := c.m.BuildSession(a.JID, a.Device, b); err != nil {
			t.Fatal(err)
		}
	}
	var pt []byte
	if body != "" {
		pt = []byte(body)
	}
	e, skipped, err := c.m.Encrypt(pt, to.Bare().String())
	if err != nil {
		t.Fatalf("encrypt: %v (skipped %v)", err, skipped)
	}
	inner := []xml.TokenReader{e.TokenReader(), xmlstream.Wrap(nil, axolotl.StoreHint()), xmlstream.Wrap(nil, axolotl.EME())}
	if body != "" {
		inner = append([]xml.TokenReader{xmlstream.Wrap(xmlstream.Token(xml.CharData(axolotl.FallbackBody)), xml.StartElement{Name: xml.Name{Local: "body"}})}, inner...)
	}
	msg := stanza.Message{To: to.Bare(), Type: stanza.ChatMessage, ID: fmt.Sprintf("go-%d", time.Now().UnixNano())}
	if err := c.s.Send(ctx, msg.Wrap(xmlstream.MultiReader(inner...))); err != nil {
		t.Fatal(err)
	}
	return e
}

// wait returns the next decryption result that matches.
func (c *goClient) wait(t *testing.T, match func(result) bool) result {
	t.Helper()
	timer := time.NewTimer(interopWait)
	defer timer.Stop()
	var seen []string
	for {
		select {
		case r := <-c.got:
			if match(r) {
				return r
			}
			if r.err != nil {
				seen = append(seen, "error: "+r.err.Error())
			} else {
				seen = append(seen, fmt.Sprintf("%s/%d %q", r.d.JID, r.d.Device, r.d.Plaintext))
			}
		case <-timer.C:
			t.Fatalf("no matching decryption within %v; got %v", interopWait, seen)
		}
	}
}

func text(from string, dev uint32, body string) func(result) bool {
	return func(r result) bool {
		return r.err == nil && r.d.JID == from && r.d.Device == dev && string(r.d.Plaintext) == body
	}
}

func omemoFrom(from string, body string) func(servertest.PeerEvent) bool {
	return func(e servertest.PeerEvent) bool {
		return e.Kind == "error" || e.Kind == "omemo" && e.From == from && e.Body == body
	}
}

func mustOMEMO(t *testing.T, p *servertest.OMEMOPeer, from, body string) {
	t.Helper()
	if ev := p.Wait(t, interopWait, omemoFrom(from, body)); ev.Kind != "omemo" {
		t.Fatalf("peer device %d: %s", p.DeviceID, ev)
	}
}

// TestInteropPython talks legacy OMEMO with python-omemo/oldmemo over a
// real server: parley's package to a peer account with two devices and
// back, first (pre-key) messages and later ones, in both directions.
func TestInteropPython(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		b2 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		c := dialGo(t, srv, alice, "pw-alice")
		aj, bj := alice.Bare().String(), bob.Bare().String()

		// parley → python, first message: pre-key messages to both devices.
		// The time from nothing (no device list, no bundle) to the message
		// sent is logged: what /omemo on costs before the first message.
		start := time.Now()
		e := c.send(t, bob, "hello from parley")
		t.Logf("first message: device lists, 2 bundles, 2 sessions, encrypted and sent in %v", time.Since(start))
		if len(e.Keys) != 2 {
			t.Fatalf("encrypted to %d devices, want bob's 2", len(e.Keys))
		}
		for _, k := range e.Keys {
			if !k.PreKey {
				t.Fatal("first message to a device is not a pre-key message")
			}
		}
		mustOMEMO(t, b1, aj, "hello from parley")
		mustOMEMO(t, b2, aj, "hello from parley")
		if fp := c.m.Devices(bj); len(fp) != 2 {
			t.Fatalf("devices of bob: %+v", fp)
		}
		for _, d := range c.m.Devices(bj) {
			want := b1.Fingerprint
			if d.Device == b2.DeviceID {
				want = b2.Fingerprint
			}
			if strings.ReplaceAll(d.Fingerprint, " ", "") != strings.ReplaceAll(strings.ToLower(want), " ", "") {
				t.Errorf("fingerprint of %d: ours %q, python-omemo %q", d.Device, d.Fingerprint, want)
			}
		}

		// python → parley: bob's devices answer; their sessions were
		// built from our pre-key message, so these are normal messages.
		b1.SendEncrypted(aj, "hi parley, from device one")
		r := c.wait(t, func(r result) bool { return r.err == nil && r.d.Plaintext != nil })
		if !text(bj, b1.DeviceID, "hi parley, from device one")(r) || r.d.PreKey {
			t.Fatalf("got %+v", r.d)
		}
		b2.SendEncrypted(aj, "and from device two")
		c.wait(t, text(bj, b2.DeviceID, "and from device two"))

		// Later messages, both ways.
		for i := 0; i < 3; i++ {
			body := fmt.Sprintf("later message %d", i)
			e := c.send(t, bob, body)
			for _, k := range e.Keys {
				if k.PreKey {
					t.Fatalf("message %d still a pre-key message to %d", i, k.RID)
				}
			}
			mustOMEMO(t, b1, aj, body)
			mustOMEMO(t, b2, aj, body)
			b1.SendEncrypted(aj, "reply "+body)
			c.wait(t, text(bj, b1.DeviceID, "reply "+body))
		}

		// Bob removes device two from his list: parley stops encrypting
		// to it, and keeps it known as inactive.
		b1.PublishDevices(t, b1.DeviceID)
		e = c.send(t, bob, "after the removal")
		if _, ok := e.KeyFor(b2.DeviceID); ok || len(e.Keys) != 1 {
			t.Fatalf("keys after removal: %+v", e.Keys)
		}
		mustOMEMO(t, b1, aj, "after the removal")
		for _, d := range c.m.Devices(bj) {
			if d.Device == b2.DeviceID && d.Active {
				t.Fatal("removed device still active")
			}
		}
	})
}

// TestInteropPythonFirst: the python side starts the session (its
// pre-key message to parley), parley answers.
func TestInteropPythonFirst(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		c := dialGo(t, srv, alice, "pw-alice")
		aj, bj := alice.Bare().String(), bob.Bare().String()

		b1.SendEncrypted(aj, "first from python")
		r := c.wait(t, text(bj, b1.DeviceID, "first from python"))
		if !r.d.PreKey || r.d.Trust != keystore.TrustBlind {
			t.Fatalf("first message: prekey=%v trust=%s", r.d.PreKey, r.d.Trust)
		}
		if r.d.Fingerprint == "" {
			t.Fatal("no fingerprint")
		}
		// A second message before we answered: still pre-key, same session.
		b1.SendEncrypted(aj, "second from python")
		c.wait(t, text(bj, b1.DeviceID, "second from python"))
		// parley completes the session with a key transport, then answers.
		c.send(t, bob, "")
		if ev := b1.Wait(t, interopWait, func(e servertest.PeerEvent) bool {
			return e.Kind == "error" || e.Kind == "omemo" && e.Type == "key-exchange"
		}); ev.Kind != "omemo" {
			t.Fatalf("key transport at python: %s", ev)
		}
		e := c.send(t, bob, "answer from parley")
		if k, _ := e.KeyFor(b1.DeviceID); k.PreKey {
			t.Fatal("answer is a pre-key message though python started the session")
		}
		mustOMEMO(t, b1, aj, "answer from parley")
		b1.SendEncrypted(aj, "third from python")
		c.wait(t, text(bj, b1.DeviceID, "third from python"))
		if changed, err := c.m.Store().FinishCatchUp(); err != nil || !changed {
			t.Fatalf("FinishCatchUp: %v %v", changed, err)
		}
	})
}

// TestInteropTwoParleyDevices: parley with two devices of one account.
// python encrypts to both; a message from one parley device carries a key
// for the other (its carbon decrypts there); a copy decrypted twice (live
// plus archive) gives the same text; a device the user distrusts is not
// encrypted to, and a python device that distrusts ours sends us nothing.
func TestInteropTwoParleyDevices(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		b2 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		a1 := dialGo(t, srv, alice, "pw-alice")
		a2 := dialGo(t, srv, alice, "pw-alice")
		aj, bj := alice.Bare().String(), bob.Bare().String()

		// python → both parley devices.
		b1.SendEncrypted(aj, "to both of alice's devices")
		r1 := a1.wait(t, text(bj, b1.DeviceID, "to both of alice's devices"))
		a2.wait(t, text(bj, b1.DeviceID, "to both of alice's devices"))

		// The same message again (carbon or archive copy): same text.
		if d, err := a1.m.Decrypt(bj, mustReparse(t, r1.d, a1)); err != nil || string(d.Plaintext) != "to both of alice's devices" {
			t.Fatalf("second copy: %+v %v", d, err)
		}

		// parley device 1 → bob: keys for bob's two devices and for a2.
		e := a1.send(t, bob, "from alice's first device")
		if _, ok := e.KeyFor(a2.m.DeviceID()); !ok || len(e.Keys) != 3 {
			t.Fatalf("keys %+v, want bob's two and alice's other device", e.Keys)
		}
		mustOMEMO(t, b1, aj, "from alice's first device")
		if d, err := a2.m.Decrypt(aj, e); err != nil || string(d.Plaintext) != "from alice's first device" {
			t.Fatalf("own other device (carbon): %+v %v", d, err)
		}

		// alice distrusts b2: only b1 gets keys.
		if _, err := a1.m.SetTrust(bj, b2.Fingerprint, false); err != nil {
			t.Fatal(err)
		}
		e = a1.send(t, bob, "not for device two")
		if _, ok := e.KeyFor(b2.DeviceID); ok {
			t.Fatal("encrypted to a distrusted device")
		}
		mustOMEMO(t, b1, aj, "not for device two")

		// b1 distrusts a1: python does not encrypt to it any more.
		b1.Distrust(aj, a1.m.DeviceID())
		if ev := b1.Wait(t, interopWait, func(e servertest.PeerEvent) bool { return e.Kind == "distrusted" || e.Kind == "error" }); ev.Kind != "distrusted" {
			t.Fatalf("distrust: %s", ev)
		}
		b1.SendEncrypted(aj, "only for alice's second device")
		a2.wait(t, text(bj, b1.DeviceID, "only for alice's second device"))
		select {
		case r := <-a1.got:
			if r.err == nil && string(r.d.Plaintext) == "only for alice's second device" {
				t.Fatal("python encrypted to the device it distrusts")
			}
		case <-time.After(time.Second):
		}
	})
}

// mustReparse returns the element the client decrypted last (the one d
// came from), to be decrypted a second time.
func mustReparse(t *testing.T, d *Decrypted, c *goClient) *axolotl.Encrypted {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		t.Fatal("no stanza kept")
	}
	return c.last
}

// mam asks our archive for everything and waits for the end of the
// answer; the archived messages go through the handler like live ones.
func (c *goClient) mam(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), interopWait)
	defer cancel()
	if _, err := c.iq(ctx, stanza.SetIQ, jid.JID{}, `<query xmlns="urn:xmpp:mam:2"/>`); err != nil {
		t.Fatalf("archive query: %v", err)
	}
}

// TestInteropArchive: the archive copies of messages decrypted live give
// the same text, not an error; after a restart (the memory of recent
// decryptions gone) they are reported as duplicates, never as failures.
func TestInteropArchive(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		c := dialGo(t, srv, alice, "pw-alice")
		aj, bj := alice.Bare().String(), bob.Bare().String()
		bodies := []string{"archived one", "archived two", "archived three"}
		for _, body := range bodies {
			b1.SendEncrypted(aj, body)
			c.wait(t, text(bj, b1.DeviceID, body))
		}
		c.mam(t)
		for _, body := range bodies {
			c.wait(t, text(bj, b1.DeviceID, body))
		}
		if changed, err := c.m.Store().FinishCatchUp(); err != nil || !changed {
			t.Fatalf("FinishCatchUp: %v %v", changed, err)
		}

		// Restart: a new manager over the same store.
		c.mu.Lock()
		c.m = New(c.m.Store(), aj)
		c.mu.Unlock()
		c.mam(t)
		for range bodies {
			r := c.wait(t, func(r result) bool { return r.err != nil || r.d.Plaintext != nil })
			if !errors.Is(r.err, ErrDuplicate) {
				t.Fatalf("archive copy after restart: %+v %v", r.d, r.err)
			}
		}
		// The session still works both ways.
		b1.SendEncrypted(aj, "after the restart")
		c.wait(t, text(bj, b1.DeviceID, "after the restart"))
		c.send(t, bob, "parley after the restart")
		mustOMEMO(t, b1, aj, "parley after the restart")
	})
}

// TestInteropHostile: a raw peer sends malformed <encrypted> elements
// through the server to parley's device: each is one error, nothing
// panics, and a real message after them still decrypts.
func TestInteropHostile(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) {
		srv := servertest.Start(t, kind)
		alice := srv.AddUser(t, "alice", "pw-alice")
		bob := srv.AddUser(t, "bob", "pw-bob")
		mallory := srv.AddUser(t, "mallory", "pw-mallory")
		b1 := servertest.StartOMEMOPeer(t, srv, bob, "pw-bob")
		c := dialGo(t, srv, alice, "pw-alice")
		m := servertest.StartPeer(t, srv, mallory, "pw-mallory")
		aj, bj := alice.Bare().String(), bob.Bare().String()
		rid := fmt.Sprint(c.m.DeviceID())
		iv := "AAAAAAAAAAAAAAAA"
		keys := []string{
			`<key rid="` + rid + `" prekey="true">AAAA</key>`,
			`<key rid="` + rid + `">MwgBEgA=</key>`,
		}
		for _, h := range hostileSignal() {
			keys = append(keys, `<key rid="`+rid+`" prekey="true">`+base64.StdEncoding.EncodeToString(h)+`</key>`)
			keys = append(keys, `<key rid="`+rid+`">`+base64.StdEncoding.EncodeToString(h)+`</key>`)
		}
		var stanzas []string
		for _, k := range keys {
			stanzas = append(stanzas, `<header sid="4242">`+k+`<iv>`+iv+`</iv></header><payload>AAAA</payload>`)
		}
		stanzas = append(stanzas,
			`<header sid="4242">`+keys[0]+`<iv>AAAA</iv></header>`,
			`<header sid="0">`+keys[0]+`<iv>`+iv+`</iv></header>`,
			`<header sid="4242">`+strings.Repeat(keys[1], axolotl.MaxKeys+1)+`<iv>`+iv+`</iv></header>`,
		)
		for i, x := range stanzas {
			m.SendRaw(fmt.Sprintf(`<message xmlns="jabber:client" to="%s" type="chat" id="h%d"><encrypted xmlns="%s">%s</encrypted></message>`, aj, i, axolotl.NS, x))
		}
		for i := range stanzas {
			if r := c.wait(t, func(result) bool { return true }); r.err == nil {
				t.Fatalf("hostile stanza %d decrypted: %+v", i, r.d)
			}
		}
		b1.SendEncrypted(aj, "still fine")
		c.wait(t, text(bj, b1.DeviceID, "still fine"))
	})
}
