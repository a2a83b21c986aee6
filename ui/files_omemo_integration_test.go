package ui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/internal/servertest"
	"parley/upload"
)

// startFileUI runs a UI on a real account for j on s (password "pw"),
// saving into dl, with the OMEMO key store omemoDir ("" : no OMEMO), and
// waits until it is online.
func startFileUI(t *testing.T, s *servertest.Server, j jid.JID, dl, omemoDir string) (*harness, *account.Account) {
	t.Helper()
	scr := tcell.NewSimulationScreen("UTF-8")
	var u *UI
	acct := account.New(account.Config{
		JID: j, Password: func(context.Context) (string, error) { return "pw", nil },
		Host: s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "parley", OMEMODir: omemoDir,
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
	return h, acct
}

// line types s and Enter.
func (h *harness) line(s string) {
	h.typeText(s)
	h.key(tcell.KeyEnter, 0, tcell.ModNone)
}

// TestIntegrationFilesOMEMO: XEP-0454 in an OMEMO conversation, against
// Prosody's http_file_share and ejabberd's mod_http_upload over https. alice's /upload encrypts
// the file (AES-256-GCM, streamed into the PUT) and sends its aesgcm://
// link only inside the OMEMO payload (no OOB, no plain body but the
// fallback); bob has two devices, an independent OMEMO implementation
// (python-omemo, the file decrypted with python3-cryptography) and a
// second parley (upload.Save), and both get the original bytes. The
// python device's own encrypted file, sent over OMEMO, is saved decrypted
// by /url save; a copy with a bad tag fails and leaves no file.
func TestIntegrationFilesOMEMO(t *testing.T) { servertest.Each(t, testIntegrationFilesOMEMO) }

func testIntegrationFilesOMEMO(t *testing.T, kind servertest.Kind) {
	const limit = 4 << 20
	s := servertest.Start(t, kind, servertest.WithFileShare(limit, "https"))
	s.Require(t, servertest.FileShare)
	alice := s.AddUser(t, "alice", "pw")
	bob := s.AddUser(t, "bob", "pw")
	ctx := context.Background()

	// bob's devices: python first (it publishes the device list), then a
	// parley, which adds itself to that list.
	py := servertest.StartOMEMOPeer(t, s, bob, "pw")
	bobMsgs := make(chan account.MessageEvent, 64)
	bobUp := make(chan struct{}, 1)
	bobA := account.New(account.Config{
		JID: bob, Password: func(context.Context) (string, error) { return "pw", nil },
		Host: s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "parley2", OMEMODir: t.TempDir(),
	}, func(e account.Event) {
		switch e := e.(type) {
		case account.MessageEvent:
			select {
			case bobMsgs <- e:
			default:
			}
		case account.RosterEvent:
			for _, it := range e.Items {
				if it.JID.Equal(alice) {
					select {
					case bobUp <- struct{}{}:
					default:
					}
				}
			}
		}
	})
	bctx, bcancel := context.WithCancel(ctx)
	go bobA.Run(bctx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		bobA.Close(cctx)
		bcancel()
	})
	deadline := time.Now().Add(60 * time.Second)
	for bobA.State() != account.Online || bobA.OMEMOStatus(bob).Devices < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("bob's parley device not in bob's device list: %+v", bobA.OMEMOStatus(bob))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := bobA.RosterSet(ctx, account.RosterItem{JID: alice}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bobUp:
	case <-time.After(30 * time.Second):
		t.Fatal("alice not in bob's roster")
	}

	dl := t.TempDir()
	files := t.TempDir()
	h, aliceA := startFileUI(t, s, alice, dl, t.TempDir())
	if err := aliceA.RosterSet(ctx, account.RosterItem{JID: bob}); err != nil {
		t.Fatal(err)
	}
	h.waitLong("bob in the roster", func() bool { return h.u.accts[0].items[bob.String()] != nil })
	// Our device is on our list before we send (a receiver looks there).
	h.waitLong("alice's device published", func() bool { return aliceA.OMEMOStatus(alice).Devices == 1 })
	h.line("/msg " + bob.String())

	// /upload in the OMEMO conversation (the automatic mode: bob has
	// devices): encrypted, the link inside OMEMO only.
	path, data := randomFile(t, files, "secret.png", 300_001)
	h.line("/upload " + path)
	ev := py.Wait(t, 90*time.Second, func(e servertest.PeerEvent) bool {
		return e.Kind == "error" || e.Kind == "plain" || e.Kind == "omemo" && e.Body != ""
	})
	if ev.Kind != "omemo" || !strings.HasPrefix(ev.Body, "aesgcm://") {
		t.Fatalf("the python device got %s", ev)
	}
	link := ev.Body
	loc, _, _ := strings.Cut(strings.TrimPrefix(link, "aesgcm://"), "#")
	if strings.Contains(ev.Raw, "jabber:x:oob") || strings.Contains(ev.Raw, "aesgcm") || strings.Contains(ev.Raw, loc) {
		t.Fatalf("the link or an OOB element is outside the OMEMO payload: %s", ev.Raw)
	}
	h.shows("uploaded secret.png (300.0 kB, image/png, encrypted)")
	get, _, _, err := upload.ParseAESGCM(link)
	if err != nil {
		t.Fatal(err)
	}
	client, err := bobA.HTTPClient()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(get)
	if err != nil {
		t.Fatal(err)
	}
	held := new(bytes.Buffer)
	_, _ = held.ReadFrom(resp.Body)
	resp.Body.Close()
	if held.Len() != len(data)+upload.TagSize || bytes.Contains(held.Bytes(), data[:64]) {
		t.Fatalf("the server holds %d bytes, not the file's ciphertext with its tag", held.Len())
	}

	// The python device decrypts it to the file's bytes.
	pyGot := filepath.Join(t.TempDir(), "py")
	py.Fetch(link, pyGot)
	if ev := py.Wait(t, 60*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "fetched" || e.Kind == "error" }); ev.Kind != "fetched" {
		t.Fatalf("python fetch: %s", ev)
	}
	if b, _ := os.ReadFile(pyGot); !bytes.Equal(b, data) {
		t.Fatalf("python decrypted %d bytes, not the file's %d", len(b), len(data))
	}

	// So does the second parley, from its own copy of the message.
	var bm account.MessageEvent
	for bm.Msg.Body != link {
		select {
		case bm = <-bobMsgs:
		case <-time.After(60 * time.Second):
			t.Fatal("bob's parley did not get the link")
		}
	}
	if !bm.Msg.Encrypted || bm.Msg.Untrusted || len(bm.Msg.OOB) != 0 {
		t.Fatalf("bob's parley got %+v", bm.Msg)
	}
	saved, err := upload.Save(ctx, client, link, t.TempDir(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(saved); !bytes.Equal(b, data) || filepath.Base(saved) != "secret.png" {
		t.Fatalf("bob's parley saved %s, %d bytes, not the file's %d", saved, len(b), len(data))
	}

	// The python device sends its own encrypted file over OMEMO; /url
	// save decrypts it.
	src, want := randomFile(t, files, "from python.bin", 200_003)
	py.SendFile(s.Upload, alice.String(), src)
	up := py.Wait(t, 60*time.Second, func(e servertest.PeerEvent) bool { return e.Kind == "uploaded" || e.Kind == "error" })
	if up.Kind != "uploaded" {
		t.Fatalf("python upload: %s", up)
	}
	h.lineHas(up.Body)
	h.line("/url save")
	name := upload.NameOf(up.Body) // ejabberd writes the space as _
	h.lineHas("as " + filepath.Join(dl, name))
	if b, _ := os.ReadFile(filepath.Join(dl, name)); !bytes.Equal(b, want) {
		t.Fatalf("/url save wrote %d bytes, not the python file's %d", len(b), len(want))
	}

	// The same link with another key: the tag does not match, nothing is
	// kept.
	last := strings.IndexByte("0123456789abcdef", up.Body[len(up.Body)-1])
	bad := up.Body[:len(up.Body)-1] + string("0123456789abcdef"[(last+1)%16])
	_, err = upload.Save(ctx, client, bad, dl, filepath.Join(dl, "tampered.bin"), nil)
	if err == nil || !strings.Contains(err.Error(), "does not match its key") {
		t.Fatalf("a wrong key: %v", err)
	}
	ents, _ := os.ReadDir(dl)
	for _, e := range ents {
		if e.Name() != name {
			t.Fatalf("a failed download left %s", e.Name())
		}
	}
}
