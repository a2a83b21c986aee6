package account

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/tlstrust"
)

// TestHTTPClientIgnoresPins: the certificate pins are the XMPP server's;
// the upload and download client verifies the URL's host as crypto/tls
// does, so a certificate pinned for the account's domain vouches for no
// web server.
func TestHTTPClientIgnoresPins(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	store, err := tlstrust.Open(filepath.Join(t.TempDir(), "pins"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Pin("example.org", srv.Certificate(), false, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := New(Config{JID: jid.MustParse("me@example.org"), Trust: store}, nil)
	c, err := a.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Get(srv.URL); err == nil {
		resp.Body.Close()
		t.Fatal("a certificate pinned for the XMPP domain was trusted for a web server")
	}
	// The XMPP connection's config does apply the pins.
	tc, err := a.cfg.tlsConfig()
	if err != nil || tc.VerifyConnection == nil {
		t.Fatalf("tlsConfig: %v", err)
	}
}
