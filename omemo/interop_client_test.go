package omemo

import (
	"bytes"
	"context"
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
