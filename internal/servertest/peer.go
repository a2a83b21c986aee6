package servertest

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"
)

//go:embed peer.py
var peerScript []byte

// peerPython is Debian's interpreter, which has python3-slixmpp; a python3
// earlier on PATH (pyenv) may not.
const peerPython = "/usr/bin/python3"

// peerOnlineTimeout bounds connecting, TLS, SASL, bind and roster fetch.
const peerOnlineTimeout = 30 * time.Second

// PeerEvent is something the peer received or that happened to it. Kind is
// one of online, message, groupchat, presence, subscribe, subscribed,
// unsubscribe, unsubscribed, iq, error, disconnected. Message and presence
// stanzas of type error become "error" events; "iq" events are answers
// (Type result or error) to any IQ, including those sent with SendRaw. For
// "online", From is the peer's full JID.
type PeerEvent struct {
	Kind    string `json:"kind"`
	From    string `json:"from"`
	To      string `json:"to"`
	Type    string `json:"type"`
	Body    string `json:"body"`
	Show    string `json:"show"`
	Status  string `json:"status"`
	ID      string `json:"id"`
	Nick    string `json:"nick"`    // MUC occupant nick (resource of the room JID)
	Error   string `json:"error"`   // stanza error condition, e.g. "item-not-found"
	Delayed bool   `json:"delayed"` // has a XEP-0203 delay (history replay, offline)
	Raw     string `json:"raw"`     // the whole stanza as XML
}

// String renders the event on one line for failure output.
func (e PeerEvent) String() string {
	var b strings.Builder
	b.WriteString(e.Kind)
	for _, f := range []struct{ k, v string }{
		{"from", e.From}, {"to", e.To}, {"type", e.Type}, {"id", e.ID}, {"nick", e.Nick},
		{"show", e.Show}, {"status", e.Status}, {"error", e.Error}, {"body", e.Body},
	} {
		if f.v != "" {
			fmt.Fprintf(&b, " %s=%q", f.k, f.v)
		}
	}
	if e.Delayed {
		b.WriteString(" delayed")
	}
	return b.String()
}

// Peer is a slixmpp client controlled by the test: a second, independent
// XMPP implementation to talk to. Commands are sent asynchronously; use
// Wait to see their effects. The peer approves subscription requests
// automatically unless SetAutoApprove(false).
type Peer struct {
	JID jid.JID // full JID bound by the peer

	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *bytes.Buffer // guarded by mu
	done   chan struct{} // closed when the process has exited

	mu      sync.Mutex
	events  []PeerEvent
	changed chan struct{} // closed and replaced on each new event
	n       int           // for generated message ids

	wmu    sync.Mutex // serialises writes to stdin
	closed bool       // stdin closed; guarded by wmu
}

// lockedWriter serialises writes of the peer's stderr into its buffer.
type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

// Write appends p under the lock.
func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// StartPeer starts a slixmpp client for j (bare; the server binds a
// resource) at s.Host:s.Port trusting s.CAFile, waits until it is online
// (roster fetched, initial presence sent) and returns it. t.Cleanup closes
// it. If python3-slixmpp is missing the test is skipped, or fails under
// CI=true.
func StartPeer(t testing.TB, s *Server, j jid.JID, pass string) *Peer {
	t.Helper()
	p := startPython(t, s, "peer", "python3-slixmpp", "import slixmpp", "peer.py", peerScript, j, pass)
	ev := p.Wait(t, peerOnlineTimeout, func(e PeerEvent) bool {
		return e.Kind == "online" || e.Kind == "error" && e.Error == "not-authorized"
	})
	if ev.Kind != "online" {
		t.Fatalf("servertest: peer %s: %s", j, ev)
	}
	var err error
	if p.JID, err = jid.Parse(ev.From); err != nil {
		t.Fatalf("servertest: peer bound JID %q: %v", ev.From, err)
	}
	return p
}

// read collects events from the peer's stdout until it exits.
func (p *Peer) read(stdout io.Reader) {
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var ev PeerEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			ev = PeerEvent{Kind: "error", Error: "bad-event", Body: sc.Text()}
		}
		p.mu.Lock()
		p.events = append(p.events, ev)
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, stdout) // after a scan error, do not block the peer
	_ = p.cmd.Wait()
	close(p.done)
}

// send writes one command line to the peer. Errors (peer gone) are
// recorded as error events, so the next Wait shows them.
func (p *Peer) send(cmd map[string]any) {
	line, err := json.Marshal(cmd)
	if err == nil {
		p.wmu.Lock()
		if p.closed {
			err = fmt.Errorf("peer closed")
		} else {
			_, err = p.stdin.Write(append(line, '\n'))
		}
		p.wmu.Unlock()
	}
	if err != nil {
		p.mu.Lock()
		p.events = append(p.events, PeerEvent{Kind: "error", Error: "send-failed", Body: err.Error()})
		p.mu.Unlock()
	}
}

// SendMessage sends a chat message with a generated id.
func (p *Peer) SendMessage(to, body string) {
	p.mu.Lock()
	p.n++
	id := fmt.Sprintf("peer-%d-%d", time.Now().UnixNano(), p.n)
	p.mu.Unlock()
	p.SendMessageID(to, body, id)
}

// SendMessageID sends a chat message with the given id (for dedup tests).
func (p *Peer) SendMessageID(to, body, id string) {
	p.send(map[string]any{"op": "message", "to": to, "body": body, "id": id})
}

// SendRaw sends xml as is, for hostile-input tests. It must be a whole
// stanza, or the server closes the peer's stream.
func (p *Peer) SendRaw(xml string) { p.send(map[string]any{"op": "raw", "xml": xml}) }

// SetPresence broadcasts presence; show is "", chat, away, xa or dnd.
func (p *Peer) SetPresence(show, status string, priority int) {
	p.send(map[string]any{"op": "presence", "show": show, "status": status, "priority": priority})
}

// Subscribe asks to to share its presence.
func (p *Peer) Subscribe(to string) { p.send(map[string]any{"op": "subscribe", "to": to}) }

// Approve grants from's subscription request.
func (p *Peer) Approve(from string) { p.send(map[string]any{"op": "approve", "to": from}) }

// SetAutoApprove turns automatic approval of subscription requests on
// (the default) or off; when off, requests arrive as "subscribe" events.
func (p *Peer) SetAutoApprove(on bool) { p.send(map[string]any{"op": "autoapprove", "on": on}) }

// JoinRoom joins room (bare JID) as nick, accepting the room's default
// history.
func (p *Peer) JoinRoom(room, nick string) {
	p.send(map[string]any{"op": "join", "room": room, "nick": nick})
}

// JoinRoomHistory joins room as nick asking for at most maxStanzas of
// history (0 for none).
func (p *Peer) JoinRoomHistory(room, nick string, maxStanzas int) {
	p.send(map[string]any{"op": "join", "room": room, "nick": nick, "history": maxStanzas})
}

// LeaveRoom leaves a room joined with JoinRoom.
func (p *Peer) LeaveRoom(room string) { p.send(map[string]any{"op": "leave", "room": room}) }

// SendGroup sends a groupchat message to room.
func (p *Peer) SendGroup(room, body string) {
	p.send(map[string]any{"op": "groupchat", "room": room, "body": body})
}

// Events returns a copy of all events so far.
func (p *Peer) Events() []PeerEvent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]PeerEvent(nil), p.events...)
}

// Wait returns the first event so far or within timeout that match
// accepts. On timeout it fails the test, listing every event seen and the
// peer's stderr. Each call scans from the first event, so a test waiting
// for a second occurrence should make match reject the first (e.g. by ID
// or body).
func (p *Peer) Wait(t testing.TB, timeout time.Duration, match func(PeerEvent) bool) PeerEvent {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		p.mu.Lock()
		evs, changed := p.events[seen:], p.changed
		p.mu.Unlock()
		for _, ev := range evs {
			if match(ev) {
				return ev
			}
		}
		seen += len(evs)
		select {
		case <-changed:
		case <-p.done:
			// The process is gone; take what it printed last, then give up.
			p.mu.Lock()
			rest := p.events[seen:]
			p.mu.Unlock()
			for _, ev := range rest {
				if match(ev) {
					return ev
				}
			}
			t.Fatalf("servertest: peer exited before the awaited event\n%s", p.dump())
			return PeerEvent{}
		case <-deadline.C:
			t.Fatalf("servertest: peer: no matching event within %v\n%s", timeout, p.dump())
			return PeerEvent{}
		}
	}
}

// dump lists the events and stderr of the peer for failure output.
func (p *Peer) dump() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "peer events (%d):\n", len(p.events))
	for i, ev := range p.events {
		fmt.Fprintf(&b, "  %3d %s\n", i, ev)
	}
	if p.stderr.Len() > 0 {
		fmt.Fprintf(&b, "peer stderr:\n%s", p.stderr.String())
	}
	return b.String()
}

// Close disconnects the peer and waits for its process to exit (killing it
// after 5 s). It is safe to call more than once.
func (p *Peer) Close() {
	p.wmu.Lock()
	if !p.closed {
		_, _ = p.stdin.Write([]byte(`{"op":"quit"}` + "\n"))
		_ = p.stdin.Close()
		p.closed = true
	}
	p.wmu.Unlock()
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// startPython runs script (written to s.Dir as name) with peerPython as a
// peer for j on s and returns it reading its events; t.Cleanup closes it.
// imports is the Python import line that must work first: without it the
// test is skipped naming pkgs, or fails under CI=true. what names the
// peer in errors.
func startPython(t testing.TB, s *Server, what, pkgs, imports, name string, script []byte, j jid.JID, pass string) *Peer {
	t.Helper()
	if out, err := exec.Command(peerPython, "-c", imports).CombinedOutput(); err != nil {
		msg := "servertest: " + pkgs + " not usable with " + peerPython + ": " + err.Error() + " " + string(bytes.TrimSpace(out))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	path := filepath.Join(s.Dir, name)
	if err := os.WriteFile(path, script, 0o644); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	p := &Peer{t: t, stderr: &bytes.Buffer{}, done: make(chan struct{}), changed: make(chan struct{})}
	p.cmd = exec.Command(peerPython, "-u", path, j.String(), pass, s.Host, strconv.Itoa(s.Port), s.CAFile)
	p.cmd.Dir = s.Dir
	p.cmd.SysProcAttr = procAttr()
	p.cmd.Stderr = lockedWriter{&p.mu, p.stderr}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatalf("servertest: %v", err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("servertest: start %s: %v", what, err)
	}
	go p.read(stdout)
	t.Cleanup(p.Close)
	return p
}
