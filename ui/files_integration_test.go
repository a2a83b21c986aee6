package ui

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/internal/servertest"
	"parley/upload"
)

// waitLong is waitFor for the network: a longer deadline.
func (h *harness) waitLong(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var ok bool
		h.u.app.QueueUpdate(func() { ok = cond() })
		if ok {
			h.sync(func() {})
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s\n%s", what, h.text())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// shows waits until the screen shows s.
func (h *harness) shows(s string) {
	h.t.Helper()
	h.waitLong(s, func() bool {
		w, ht := h.u.screen.Size()
		var b strings.Builder
		for y := 0; y < ht; y++ {
			for x := 0; x < w; x++ {
				str, _, _ := h.u.screen.Get(x, y)
				b.WriteString(str)
			}
			b.WriteByte('\n')
		}
		return strings.Contains(b.String(), s)
	})
}

// lineHas waits until a line of the current window holds s.
func (h *harness) lineHas(s string) {
	h.t.Helper()
	h.waitLong(s, func() bool {
		w := h.u.curWin()
		for i := 0; i < w.buf.len(); i++ {
			if strings.Contains(w.buf.at(i).text, s) {
				return true
			}
		}
		return false
	})
}

func randomFile(t *testing.T, dir, name string, n int) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, b
}

// TestIntegrationFiles: /upload and /url save through a UI on a real
// account against Prosody's http_file_share and ejabberd's mod_http_upload
// (https), with a slixmpp peer:
// the peer receives the upload's message (body and OOB) and downloads
// exactly the file; a file over the limit is refused with its limit and
// nothing is sent; Esc stops an upload and nothing is sent; /url save
// saves the peer's file, plain and aesgcm:// (decrypted), and a hostile
// name under a safe one; s in the selection mode saves the selected
// message's link.
func TestIntegrationFiles(t *testing.T) { servertest.Each(t, testIntegrationFiles) }

func testIntegrationFiles(t *testing.T, kind servertest.Kind) {
	const limit = 4 << 20
	s := servertest.Start(t, kind, servertest.WithFileShare(limit, "https"))
	s.Require(t, servertest.FileShare)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	peer := servertest.StartPeer(t, s, bob, "pw")
	dl := t.TempDir()
	files := t.TempDir()

	scr := tcell.NewSimulationScreen("UTF-8")
	var u *UI
	acct := account.New(account.Config{
		JID: alice, Password: func(context.Context) (string, error) { return "pw", nil },
		Host: s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "parley",
	}, func(e account.Event) { u.Post(e) })
	u = New(Options{Screen: scr, Accounts: []Account{acct}, RosterWidth: 20, DownloadDir: dl})
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, u: u, scr: scr, done: make(chan error, 1), stop: cancel}
	go func() { h.done <- u.Run(ctx) }()
	go acct.Run(ctx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		acct.Close(cctx)
		h.close()
	})
	h.sync(func() { scr.SetSize(160, 40) })
	h.waitLong("online", func() bool { return len(u.accts) == 1 && u.accts[0].state == account.Online })
	line := func(s string) {
		h.typeText(s)
		h.key(tcell.KeyEnter, 0, tcell.ModNone)
	}
	line("/msg " + bob.String())

	// Upload: the peer gets the URL as body and OOB, and downloads the file.
	path, data := randomFile(t, files, "photo.jpg", 300_001)
	line("/upload " + path)
	ev := peer.Wait(t, 60*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "message" && e.Body != "" })
	if !strings.HasPrefix(ev.Body, "https://") || !strings.Contains(ev.Raw, "jabber:x:oob") || !strings.Contains(ev.Raw, ev.Body) {
		t.Fatalf("upload message: %s", ev.Raw)
	}
	got := filepath.Join(t.TempDir(), "fetched")
	peer.Fetch(ev.Body, got)
	peer.Wait(t, 60*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "fetched" || e.Kind == "error" })
	if b, _ := os.ReadFile(got); !bytes.Equal(b, data) {
		t.Fatalf("the peer downloaded %d bytes, not the file's %d", len(b), len(data))
	}
	h.shows("uploaded photo.jpg (300.0 kB, image/jpeg)")

	// Over the limit: one line with the limit, nothing sent.
	big, _ := randomFile(t, files, "big.bin", 2*limit)
	line("/upload " + big)
	h.shows("upload of big.bin failed: the file is 8.4 MB, over the upload service's limit of 4.2 MB")

	// Esc stops a running upload; nothing is sent. The server holds it
	// back: a file at the limit takes a moment, and Esc comes as soon as
	// the first bytes have left.
	mid, _ := randomFile(t, files, "mid.bin", limit)
	line("/upload " + mid)
	h.waitLong("upload running", func() bool { return len(u.files.xfers) == 1 && u.files.xfers[0].prog.Done() > 0 })
	h.key(tcell.KeyEscape, 0, tcell.ModNone)
	h.waitLong("upload ended", func() bool { return len(u.files.xfers) == 0 })
	var endLine string
	h.sync(func() {
		w := u.curWin()
		for i := w.buf.len() - 1; i >= 0; i-- {
			if e := w.buf.at(i); strings.Contains(e.text, "mid.bin") {
				endLine = e.text
				break
			}
		}
	})
	line("sync after cancel")
	peer.Wait(t, 30*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "message" && e.Body == "sync after cancel" })
	for _, e := range peer.Events() {
		if e.Kind == "message" && e.Body != "" && e.Body != ev.Body && e.Body != "sync after cancel" {
			if strings.Contains(endLine, "cancelled") {
				t.Fatalf("a cancelled or refused upload sent %q", e.Body)
			}
		}
	}
	t.Logf("after Esc: %s", endLine)

	// /url save of the peer's files: plain, then aesgcm://.
	src, want := randomFile(t, files, "peer file.txt", 120_000)
	for _, enc := range []bool{false, true} {
		peer.Upload(s.Upload, alice.String(), src, "", enc)
		// Wait looks at every event since the peer started: this upload's
		// is the one of its kind (the plain one's would match again).
		up := peer.Wait(t, 60*time.Second, func(e servertest.PeerEvent) bool {
			return e.Kind == "uploaded" && strings.HasPrefix(e.Body, "aesgcm://") == enc || e.Kind == "error"
		})
		if up.Kind != "uploaded" {
			t.Fatalf("peer upload: %s", up)
		}
		h.lineHas(up.Body)
		name := upload.NameOf(up.Body) // ejabberd writes the space as _
		if enc {
			name = "peer-decrypted.txt"
			line("/url save 1 " + filepath.Join(dl, name))
		} else {
			line("/url save")
		}
		h.lineHas("as " + filepath.Join(dl, name))
		if b, _ := os.ReadFile(filepath.Join(dl, name)); !bytes.Equal(b, want) {
			t.Fatalf("encrypted %t: saved %d bytes, not the peer's %d", enc, len(b), len(want))
		}
	}
	line("/url save 2")
	h.lineHas("exists: not overwritten")

	// A hostile name is saved under a safe one, inside the directory.
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("evil")) }))
	t.Cleanup(hostile.Close)
	peer.SendURL(alice.String(), hostile.URL+"/x/..%2F..%2F.bashrc")
	h.lineHas("/x/..%2F..%2F.bashrc")
	line("/url save")
	h.lineHas("as " + filepath.Join(dl, "bashrc"))
	if _, err := os.Stat(filepath.Join(filepath.Dir(dl), ".bashrc")); err == nil {
		t.Fatal("a name from the network chose the directory")
	}

	// The selection mode: s on the selected message saves its link as
	// /url save does.
	peer.SendURL(alice.String(), hostile.URL+"/y/picked.txt")
	h.lineHas("/y/picked.txt")
	h.key(tcell.KeyRune, 's', tcell.ModAlt)
	h.waitLong("selection", func() bool { return u.curWin().sel != nil })
	h.typeText("s")
	h.lineHas("as " + filepath.Join(dl, "picked.txt"))
	if b, _ := os.ReadFile(filepath.Join(dl, "picked.txt")); string(b) != "evil" {
		t.Fatalf("s in the selection saved %q", b)
	}
	h.key(tcell.KeyEscape, 0, 0)
}
