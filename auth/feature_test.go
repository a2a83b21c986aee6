package auth

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp"
	"mellium.im/xmpp/jid"
)

// fakeServer is the server end of a SASL test: it speaks raw XML over
// TLS, offers features, and plays one scenario. It checks the client's
// SCRAM messages with its own arithmetic.
type fakeServer struct {
	t        *testing.T
	conn     *tls.Conn
	dec      *xml.Decoder
	features string // inside <stream:features>
	pass     string

	// answer replaces the normal SCRAM exchange after <auth/> when set: it
	// returns what to write (e.g. a <failure/>).
	answer func(mech string, first []byte) string
	// finish is what follows a correct client-final-message; v is the
	// right "v=..." value. Default: <success> with v.
	finish func(v string) string

	got struct { // what the client sent
		mech, gs2 string
		cbind     []byte
	}
}

// run serves one stream and the restart after a success.
func (f *fakeServer) run() error {
	f.dec = xml.NewDecoder(f.conn)
	if err := f.open(f.features); err != nil {
		return err
	}
	auth, err := f.element()
	if err != nil {
		return err
	}
	f.got.mech = attrOf(auth.start, "mechanism")
	first, _ := base64.StdEncoding.DecodeString(auth.text)
	if f.answer != nil {
		a := f.answer(f.got.mech, first)
		if err := f.write(a); err != nil {
			return err
		}
		if strings.HasPrefix(a, "<success") {
			if err := f.open(""); err != nil {
				return err
			}
		}
		_, err := io.Copy(io.Discard, f.conn) // whatever the client sends next
		return err
	}
	h := sha1.New
	switch {
	case strings.HasPrefix(f.got.mech, "SCRAM-SHA-256"):
		h = sha256.New
	case strings.HasPrefix(f.got.mech, "SCRAM-SHA-512"):
		h = sha512.New
	}
	// client-first: gs2-header then n=user,r=nonce.
	parts := strings.SplitN(string(first), ",", 3)
	if len(parts) != 3 {
		return fmt.Errorf("client-first %q", first)
	}
	f.got.gs2 = parts[0] + "," + parts[1] + ","
	bare := parts[2]
	cnonce := bare[strings.Index(bare, ",r=")+3:]
	salt := []byte("pepper and salt")
	serverFirst := "r=" + cnonce + "SERVER,s=" + base64.StdEncoding.EncodeToString(salt) + ",i=4096"
	if err := f.write("<challenge xmlns='" + NSSASL + "'>" + base64.StdEncoding.EncodeToString([]byte(serverFirst)) + "</challenge>"); err != nil {
		return err
	}
	resp, err := f.element()
	if err != nil {
		return err
	}
	final, _ := base64.StdEncoding.DecodeString(resp.text)
	withoutProof, proof, _ := strings.Cut(string(final), ",p=")
	c, _, _ := strings.Cut(strings.TrimPrefix(withoutProof, "c="), ",")
	f.got.cbind, _ = base64.StdEncoding.DecodeString(c)
	salted, _ := pbkdf2.Key(h, f.pass, salt, 4096, h().Size())
	authMsg := []byte(bare + "," + serverFirst + "," + withoutProof)
	clientKey := hmacOf(h, salted, "Client Key")
	stored := h()
	stored.Write(clientKey)
	sig := hmac.New(h, stored.Sum(nil))
	sig.Write(authMsg)
	wantProof := sig.Sum(nil)
	for i := range wantProof {
		wantProof[i] ^= clientKey[i]
	}
	if proof != base64.StdEncoding.EncodeToString(wantProof) {
		return f.write("<failure xmlns='" + NSSASL + "'><not-authorized/><text>bad proof</text></failure>")
	}
	ss := hmac.New(h, hmacOf(h, salted, "Server Key"))
	ss.Write(authMsg)
	v := "v=" + base64.StdEncoding.EncodeToString(ss.Sum(nil))
	next := "<success xmlns='" + NSSASL + "'>" + base64.StdEncoding.EncodeToString([]byte(v)) + "</success>"
	if f.finish != nil {
		next = f.finish(v)
	}
	if err := f.write(next); err != nil {
		return err
	}
	for strings.Contains(next, "<challenge") { // the client answers a challenge with an empty response
		if _, err := f.element(); err != nil {
			return err
		}
		next = "<success xmlns='" + NSSASL + "'/>"
		if err := f.write(next); err != nil {
			return err
		}
	}
	if !strings.Contains(next, "<success") {
		return nil
	}
	return f.open("") // the restarted stream: no features, the session is ready
}

func hmacOf(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// open reads the client's stream header and answers with ours.
func (f *fakeServer) open(features string) error {
	for {
		tok, err := f.dec.Token()
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "stream" {
			break
		}
	}
	return f.write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='localhost' id='s1'><stream:features>" + features + "</stream:features>")
}

type element struct {
	start xml.StartElement
	text  string
}

// element reads the next top-level element.
func (f *fakeServer) element() (element, error) {
	for {
		tok, err := f.dec.Token()
		if err != nil {
			return element{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			var body struct {
				Text string `xml:",chardata"`
			}
			err := f.dec.DecodeElement(&body, &se)
			return element{se, body.Text}, err
		}
	}
}

func (f *fakeServer) write(s string) error {
	_, err := io.WriteString(f.conn, s)
	return err
}

func attrOf(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// mechs renders a <mechanisms/> feature.
func mechs(names ...string) string {
	s := "<mechanisms xmlns='" + NSSASL + "'>"
	for _, n := range names {
		s += "<mechanism>" + n + "</mechanism>"
	}
	return s + "</mechanisms>"
}

// cbTypes renders a XEP-0440 feature.
func cbTypes(types ...string) string {
	s := "<sasl-channel-binding xmlns='" + NSCB + "'>"
	for _, n := range types {
		s += "<channel-binding type='" + n + "'/>"
	}
	return s + "</sasl-channel-binding>"
}

// loginFake logs in against f over a TLS pair of the given version.
func loginFake(t *testing.T, version uint16, f *fakeServer) (Outcome, error) {
	t.Helper()
	client, server := tlsPair(t, version)
	f.t, f.conn = t, server
	if f.pass == "" {
		f.pass = "s3cret"
	}
	errs := make(chan error, 1)
	go func() { errs <- f.run() }()
	var out Outcome
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	origin := jid.MustParse("alice@localhost")
	features := Features("s3cret", &out)
	_, err := xmpp.NewSession(ctx, origin.Domain(), origin, client, xmpp.Secure,
		xmpp.NewNegotiator(func(*xmpp.Session, *xmpp.StreamConfig) xmpp.StreamConfig {
			return xmpp.StreamConfig{Features: features}
		}))
	client.NetConn().Close() // ends the server's reads
	if serr := <-errs; serr != nil && err == nil && !errors.Is(serr, io.EOF) && !strings.Contains(serr.Error(), "closed pipe") {
		t.Errorf("fake server: %v", serr)
	}
	return out, err
}

// TestLoginWire runs logins against a fake server: the binding chosen
// from XEP-0440 and the TLS version is what goes on the wire, and the
// server's verdicts (signature, failure with text) are kept.
func TestLoginWire(t *testing.T) {
	ok := func(v string) string {
		return "<success xmlns='" + NSSASL + "'>" + base64.StdEncoding.EncodeToString([]byte(v)) + "</success>"
	}
	for _, tc := range []struct {
		name      string
		version   uint16
		features  string
		answer    func(string, []byte) string
		finish    func(string) string
		mech, gs2 string
		binding   string // the type whose data must follow the header in c=
		err       string // "" for success
	}{
		{name: "XEP-0440 tls-exporter on TLS 1.3", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS") + cbTypes("tls-exporter"),
			mech:     "SCRAM-SHA-256-PLUS", gs2: "p=tls-exporter,,", binding: "tls-exporter"},
		{name: "SCRAM-SHA-512-PLUS with tls-exporter", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-512-PLUS") + cbTypes("tls-exporter"),
			mech:     "SCRAM-SHA-512-PLUS", gs2: "p=tls-exporter,,", binding: "tls-exporter"},
		{name: "SCRAM-SHA-512-PLUS with tls-unique on TLS 1.2", version: tls.VersionTLS12,
			features: mechs("SCRAM-SHA-512", "SCRAM-SHA-512-PLUS"),
			mech:     "SCRAM-SHA-512-PLUS", gs2: "p=tls-unique,,", binding: "tls-unique"},
		{name: "SCRAM-SHA-512 on TLS 1.3 without XEP-0440", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1", "SCRAM-SHA-256", "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS"),
			mech:     "SCRAM-SHA-512", gs2: "n,,"},
		{name: "SCRAM-SHA-512 with -PLUS stripped on TLS 1.2", version: tls.VersionTLS12,
			features: mechs("SCRAM-SHA-512", "SCRAM-SHA-1"),
			mech:     "SCRAM-SHA-512", gs2: "y,,"},
		{name: "ejabberd 23.01 on TLS 1.3", version: tls.VersionTLS13,
			features: mechs("PLAIN", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "X-OAUTH2"),
			mech:     "SCRAM-SHA-1", gs2: "n,,"},
		{name: "tls-unique on TLS 1.2", version: tls.VersionTLS12,
			features: mechs("SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"),
			mech:     "SCRAM-SHA-1-PLUS", gs2: "p=tls-unique,,", binding: "tls-unique"},
		{name: "XEP-0440 after the mechanisms, -PLUS stripped", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1") + cbTypes("tls-exporter"),
			err:      "possible downgrade"},
		{name: "XEP-0440 with -PLUS stripped on TLS 1.2", version: tls.VersionTLS12,
			features: cbTypes("tls-unique") + mechs("SCRAM-SHA-512", "SCRAM-SHA-1"),
			err:      "possible downgrade"},
		{name: "XEP-0440 listing only types we cannot use", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1") + cbTypes("tls-server-end-point"),
			mech:     "SCRAM-SHA-1", gs2: "n,,"},
		{name: "verifier in a challenge, then success", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1"),
			finish: func(v string) string {
				return "<challenge xmlns='" + NSSASL + "'>" + base64.StdEncoding.EncodeToString([]byte(v)) + "</challenge>"
			},
			mech: "SCRAM-SHA-1", gs2: "n,,"},
		{name: "failure with text", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1-PLUS", "SCRAM-SHA-1"),
			answer: func(string, []byte) string {
				return "<failure xmlns='" + NSSASL + "'><not-authorized/><text xml:lang='en'>Invalid channel binding</text></failure>"
			},
			mech: "SCRAM-SHA-1", err: "not-authorized: Invalid channel binding"},
		{name: "hostile failure", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1"),
			answer: func(string, []byte) string {
				return "<failure xmlns='" + NSSASL + "'><x xmlns='urn:evil'/><text>a\nb\t" + strings.Repeat("z", 100000) + "</text><temporary-auth-failure/></failure>"
			},
			mech: "SCRAM-SHA-1", err: "temporary-auth-failure: a b zzz"},
		{name: "wrong server signature", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1"),
			finish: func(string) string {
				return ok("v=" + base64.StdEncoding.EncodeToString([]byte("forged signature 20b")))
			},
			mech: "SCRAM-SHA-1", err: "could not prove"},
		{name: "success without a verifier", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1"),
			finish:   func(string) string { return "<success xmlns='" + NSSASL + "'/>" },
			mech:     "SCRAM-SHA-1", err: "could not prove"},
		{name: "server error in the final message", version: tls.VersionTLS13,
			features: mechs("SCRAM-SHA-1"),
			finish:   func(string) string { return "<failure xmlns='" + NSSASL + "'><not-authorized/></failure>" },
			mech:     "SCRAM-SHA-1", err: "not-authorized"},
		{name: "PLAIN only", version: tls.VersionTLS13,
			features: mechs("PLAIN"),
			answer: func(mech string, first []byte) string {
				if mech != "PLAIN" || string(first) != "\x00alice\x00s3cret" {
					return "<failure xmlns='" + NSSASL + "'><malformed-request/></failure>"
				}
				return "<success xmlns='" + NSSASL + "'/>"
			},
			mech: "PLAIN"},
		{name: "nothing we speak", version: tls.VersionTLS13,
			features: mechs("DIGEST-MD5", "X-OAUTH2"),
			err:      "no SASL mechanism parley speaks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeServer{features: tc.features, answer: tc.answer, finish: tc.finish}
			out, err := loginFake(t, tc.version, f)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("login: %v, want %q", err, tc.err)
			}
			if out.Mechanism != tc.mech || f.got.mech != tc.mech {
				t.Errorf("mechanism %q (server saw %q), want %q", out.Mechanism, f.got.mech, tc.mech)
			}
			if tc.gs2 != "" && f.got.gs2 != tc.gs2 {
				t.Errorf("GS2 header %q, want %q", f.got.gs2, tc.gs2)
			}
			if tc.answer != nil || tc.gs2 == "" {
				return
			}
			want := []byte(tc.gs2)
			switch cs := f.conn.ConnectionState(); tc.binding {
			case "tls-unique":
				want = append(want, cs.TLSUnique...)
			case "tls-exporter":
				ekm, _ := cs.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
				want = append(want, ekm...)
			}
			if !bytes.Equal(f.got.cbind, want) {
				t.Errorf("c= carries %q, want %q", f.got.cbind, want)
			}
			if out.Binding != tc.binding {
				t.Errorf("Outcome.Binding %q, want %q", out.Binding, tc.binding)
			}
		})
	}
}

// TestFailureText checks the length and line bounds of a failure's text.
func TestFailureText(t *testing.T) {
	d := xml.NewDecoder(strings.NewReader("<failure xmlns='" + NSSASL + "'><text>" + strings.Repeat("é", 1000) + "</text><account-disabled/></failure>"))
	if _, err := d.Token(); err != nil {
		t.Fatal(err)
	}
	f, err := readFailure(d)
	if err != nil {
		t.Fatal(err)
	}
	if f.Condition != "account-disabled" || len(f.Text) > maxText || !strings.HasPrefix(f.Text, "éé") || strings.ContainsRune(f.Text, 0xFFFD) {
		t.Errorf("failure %q: %.20q (%d bytes)", f.Condition, f.Text, len(f.Text))
	}
}

// FuzzReceive feeds arbitrary server XML to the SASL reader: it must
// return an element, a failure or an error, never panic.
func FuzzReceive(f *testing.F) {
	f.Add("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text>no</text></failure>")
	f.Add("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1hYmM=</challenge>")
	f.Add("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</success>")
	f.Add("<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>")
	f.Fuzz(func(t *testing.T, s string) {
		x := exchange{ctx: context.Background(), r: xml.NewDecoder(strings.NewReader(s))}
		_, payload, err := x.receive()
		if len(payload) > 2*maxChallenge {
			t.Errorf("payload of %d bytes", len(payload))
		}
		var fail *Failure
		if errors.As(err, &fail) && (len(fail.Text) > maxText || len(fail.Condition) > maxName) {
			t.Errorf("unbounded failure %d/%d bytes", len(fail.Condition), len(fail.Text))
		}
		list, _ := parseList(xml.NewDecoder(strings.NewReader(s)), "mechanism", "")
		if len(list) > maxListed {
			t.Errorf("%d names listed", len(list))
		}
	})
}
