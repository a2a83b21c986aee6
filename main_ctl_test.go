package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"parley/account"
	"parley/chatlog"
	"parley/config"
	"parley/ctl"
	"parley/history"
	"parley/internal/servertest"
	"parley/ui"
)

const waitLong = 30 * time.Second

// TestSendThroughSocket runs the pieces runClient wires (a real account on
// the server, the chatlog and history, the UI on a simulated screen, the
// control socket) and drives them with `parley send` and `parley status`
// as a script would: the peer gets each message once, history stores them
// as our messages, `parley status` lists and sets the presence. Without a
// running parley, `parley send` says so with status 3.
func TestSendThroughSocket(t *testing.T) { servertest.Each(t, testSendThroughSocket) }

func testSendThroughSocket(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind)
	me := s.AddUser(t, "me", "me-secret")
	peerJID := s.AddUser(t, "peer", "peer-secret")
	peer := servertest.StartPeer(t, s, peerJID, "peer-secret")
	runtime := t.TempDir()
	env := func(k string) string {
		if k == "XDG_RUNTIME_DIR" {
			return runtime
		}
		return ""
	}

	// Nothing runs yet.
	var out, errb bytes.Buffer
	code := run([]string{"send", peerJID.String(), "too early"}, env, nil, &out, &errb)
	if code != ctl.ExitNotRunning || !strings.Contains(errb.String(), "no running parley") {
		t.Fatalf("send without parley: exit %d, stderr %q", code, errb.String())
	}

	store, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var u *ui.UI
	rec := chatlog.New(store, func(ev account.Event) { u.Post(ev) })
	ac := accountConfig(config.Account{JID: me, Password: "me-secret", Host: s.Host, Port: s.Port, CAFile: s.CAFile, Resource: "ctl"})
	ac.Anchor = rec.Anchor(me)
	acct := account.New(ac, rec.Sink)
	scr := tcell.NewSimulationScreen("UTF-8")
	scr.SetSize(100, 30)
	u = ui.New(ui.Options{Screen: scr, Accounts: []ui.Account{acct}, History: store})
	srv, err := ctl.Listen(socketPath(env, ""))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(runtime, "parley", "ctl"); srv.Path() != want {
		t.Errorf("socket at %s, want %s", srv.Path(), want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{}, 3)
	go func() { u.Run(ctx); done <- struct{}{} }()
	go func() { acct.Run(ctx); done <- struct{}{} }()
	go func() { srv.Serve(ctx, ctlHandler{u}); done <- struct{}{} }()
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 5*time.Second)
		acct.Close(cctx)
		ccancel()
		cancel()
		for range 3 {
			<-done
		}
	}()

	status := func() string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run([]string{"status"}, env, nil, &out, &errb); code != 0 {
			t.Fatalf("parley status: exit %d, stderr %q", code, errb.String())
		}
		return out.String()
	}
	deadline := time.Now().Add(waitLong)
	for !strings.HasPrefix(status(), "me@localhost online") {
		if time.Now().After(deadline) {
			t.Fatalf("never online: %q", status())
		}
		time.Sleep(20 * time.Millisecond)
	}

	send := func(stdin *os.File, args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(append([]string{"send"}, args...), env, stdin, &out, &errb); code != 0 {
			t.Fatalf("parley send %q: exit %d, stderr %q", args, code, errb.String())
		}
	}
	send(nil, peerJID.String(), "hello", "from", "cron")
	stdin := filepath.Join(t.TempDir(), "stdin")
	os.WriteFile(stdin, []byte("line one\nline two\n"), 0o600)
	f, err := os.Open(stdin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	send(f, "-a", "me@", peerJID.String())
	for _, body := range []string{"hello from cron", "line one\nline two"} {
		peer.Wait(t, waitLong, func(e servertest.PeerEvent) bool { return e.Kind == "message" && e.Body == body })
	}

	// A JID that is not valid is refused by parley, and nothing is sent.
	errb.Reset()
	if code := run([]string{"send", "not a jid@@", "x"}, env, nil, &out, &errb); code != ctl.ExitFailed || !strings.Contains(errb.String(), "not a valid JID") {
		t.Errorf("bad JID: exit %d, stderr %q", code, errb.String())
	}

	errb.Reset()
	if code := run([]string{"status", "away", "out", "for", "lunch"}, env, nil, &out, &errb); code != 0 {
		t.Fatalf("parley status away: exit %d, %q", code, errb.String())
	}
	deadline = time.Now().Add(waitLong)
	for got := status(); got != "me@localhost online away: out for lunch\n"; got = status() {
		if time.Now().After(deadline) {
			t.Fatalf("status after setting it: %q", got)
		}
		time.Sleep(20 * time.Millisecond)
	}

	if err := acct.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var stored []string
	deadline = time.Now().Add(waitLong)
	for len(stored) < 2 {
		recs, _, err := store.Tail(me.String(), peerJID.String(), 10)
		if err != nil {
			t.Fatal(err)
		}
		stored = stored[:0]
		for _, r := range recs {
			if r.Dir == history.Out {
				stored = append(stored, r.Body)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("history holds %q", stored)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(stored) != 2 || stored[0] != "hello from cron" || stored[1] != "line one\nline two" {
		t.Errorf("history holds %q", stored)
	}
	n := 0
	for _, e := range peer.Events() {
		if e.Kind == "message" && (e.Body == "hello from cron" || e.Body == "line one\nline two") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("the peer got %d messages, want each once", n)
	}
}
