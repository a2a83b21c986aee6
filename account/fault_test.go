package account_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/chatlog"
	"parley/history"
	"parley/internal/servertest"
)

var faultsFlag = flag.Int("faults", 0, "number of randomized faults in TestFaults (0: PARLEY_FAULTS, else 5)")

// Fault test timing: a short keepalive so a hung link is found quickly, and
// a stream-management hibernation time the "stopped" fault outlasts.
const (
	stableAfter    = 10 * time.Second // account's backoff reset (reconnect.go)
	faultKeepalive = 3 * time.Second
	faultSMTimeout = 4 * time.Second
	perRound       = 3 // messages each side sends before and during each fault
	faultWait      = 60 * time.Second
)

func faultCount() int {
	if *faultsFlag > 0 {
		return *faultsFlag
	}
	if n, err := strconv.Atoi(os.Getenv("PARLEY_FAULTS")); err == nil && n > 0 {
		return n
	}
	return 5
}

// stateLog records the account's state changes with their times.
type stateLog struct {
	mu     sync.Mutex
	states []stateAt
	infos  []string
}

type stateAt struct {
	st   account.State
	text string
	at   time.Time
}

func (l *stateLog) sink(ev account.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case account.StateEvent:
		l.states = append(l.states, stateAt{ev.State, ev.Text, time.Now()})
	case account.InfoEvent:
		l.infos = append(l.infos, ev.Text)
	}
}

// onlineAfter waits for an Online state reported after t and returns it.
func (l *stateLog) onlineAfter(tb testing.TB, t time.Time) stateAt {
	tb.Helper()
	deadline := time.Now().Add(faultWait)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		for _, s := range l.states {
			if s.st == account.Online && !s.at.Before(t) {
				l.mu.Unlock()
				return s
			}
			if s.st == account.Failed && !s.at.Before(t) {
				l.mu.Unlock()
				tb.Fatalf("account failed: %s", s.text)
			}
		}
		l.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("not online again within %v: %v", faultWait, l.trail(t))
	return stateAt{}
}

// trail lists the states since t.
func (l *stateLog) trail(t time.Time) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.states {
		if !s.at.Before(t) {
			out = append(out, s.st.String()+": "+s.text)
		}
	}
	return out
}

// faultRig is the world of TestFaults: the server, the proxy parley connects
// through, parley's account with chatlog and history, and the peer.
type faultRig struct {
	t      *testing.T
	srv    *servertest.Server
	px     *servertest.Proxy
	acct   *account.Account
	store  *history.Store
	log    *stateLog
	alice  jid.JID
	bob    jid.JID
	peers  []*servertest.Peer
	nextA  int // number of parley's next message
	nextP  int // number of the peer's next message
	peerUp bool
}

func (r *faultRig) peer() *servertest.Peer { return r.peers[len(r.peers)-1] }

// sendA sends n numbered messages from parley (queued if it is offline).
func (r *faultRig) sendA(n int) {
	for range n {
		r.nextA++
		if _, err := r.acct.SendMessage(context.Background(), r.bob, "chat", fmt.Sprintf("a%03d", r.nextA)); err != nil {
			r.t.Fatalf("send a%03d: %v", r.nextA, err)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// sendP sends n numbered messages from the peer, if it is connected.
func (r *faultRig) sendP(n int) {
	if !r.peerUp {
		return
	}
	for range n {
		r.nextP++
		r.peer().SendMessageID(r.alice.String(), fmt.Sprintf("p%03d", r.nextP), fmt.Sprintf("p%03d", r.nextP))
		time.Sleep(30 * time.Millisecond)
	}
}

// history returns how often each body is in parley's history, and the
// bodies in file order.
func (r *faultRig) history() (map[string]int, []string) {
	recs, _, err := r.store.Tail(r.alice.String(), r.bob.String(), 1<<20)
	if err != nil {
		r.t.Fatal(err)
	}
	n := map[string]int{}
	var order []string
	for _, rec := range recs {
		if rec.IsMeta() {
			continue
		}
		n[rec.Body]++
		order = append(order, rec.Body)
	}
	return n, order
}

// atPeer returns how often each of parley's messages reached a peer.
func (r *faultRig) atPeer() map[string]int {
	n := map[string]int{}
	for _, p := range r.peers {
		for _, e := range p.Events() {
			if e.Kind == "message" && strings.HasPrefix(e.Body, "a") {
				n[e.Body]++
			}
		}
	}
	return n
}

// tally counts, for messages numbered from..to of each side, how many
// arrived (in parley's history, at the peer), went missing, or arrived more
// than once.
type tally struct{ sent, received, lost, dup int }

func (r *faultRig) count(fromA, toA, fromP, toP int) tally {
	hist, _ := r.history()
	peer := r.atPeer()
	var t tally
	check := func(n int) {
		t.sent++
		switch {
		case n == 0:
			t.lost++
		case n > 1:
			t.received++
			t.dup++
		default:
			t.received++
		}
	}
	for i := fromA; i <= toA; i++ {
		b := fmt.Sprintf("a%03d", i)
		check(peer[b])
		if hist[b] != 1 {
			t.dup += max(hist[b]-1, 0) // our own copy in history must be single too
		}
	}
	for i := fromP; i <= toP; i++ {
		check(hist[fmt.Sprintf("p%03d", i)])
	}
	return t
}

// settled waits until every message so far is in history and at the peer.
func (r *faultRig) settled(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if t := r.count(1, r.nextA, 1, r.nextP); t.lost == 0 {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

// TestFaults: parley and a slixmpp peer exchange numbered messages while
// the test injects randomized faults: the server killed (SIGKILL) and
// restarted, the TCP connection cut, the link hung beyond the keepalive,
// and parley "stopped" longer than the server's stream-management
// hibernation (emulated: the link is cut and frozen, so every reconnect
// attempt hangs, until the server has forgotten the session). Afterwards
// every message is in parley's history once, in order, and each of
// parley's messages reached the peer. -faults=20 or PARLEY_FAULTS=20 runs
// the full series; the seed is printed and PARLEY_FAULT_SEED replays one;
// PARLEY_FAULT_KINDS=kill,cut limits the faults to those kinds.
func TestFaults(t *testing.T) { servertest.Each(t, testFaults) }

func testFaults(t *testing.T, kind servertest.Kind) {
	if testing.Short() {
		t.Skip("fault injection takes a minute or more")
	}
	n := faultCount()
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("PARLEY_FAULT_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("faults %d, seed %d (PARLEY_FAULT_SEED=%d replays)", n, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	srv := servertest.Start(t, kind, servertest.WithSMTimeout(faultSMTimeout))
	r := &faultRig{t: t, srv: srv, log: &stateLog{}}
	r.alice = srv.AddUser(t, "alice", "pw")
	r.bob = srv.AddUser(t, "bob", "pw")
	r.px = srv.Proxy(t)
	store, err := history.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r.store = store
	chat := chatlog.New(store, r.log.sink)
	host, port, _ := net.SplitHostPort(r.px.Addr())
	portN, _ := strconv.Atoi(port)
	cfg := account.Config{
		JID:       r.alice,
		Password:  func(context.Context) (string, error) { return "pw", nil },
		Host:      host,
		Port:      portN,
		CAFile:    srv.CAFile,
		Resource:  "parley",
		Keepalive: faultKeepalive,
		Anchor:    chat.Anchor(r.alice),
	}
	r.acct = account.New(cfg, chat.Sink)
	start := time.Now()
	go r.acct.Run(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.acct.Close(ctx)
	})
	r.log.onlineAfter(t, start)
	r.peers = append(r.peers, servertest.StartPeer(t, srv, r.bob, "pw"))
	r.peerUp = true

	kinds := []string{"kill", "cut", "hang", "stop"}
	if k := os.Getenv("PARLEY_FAULT_KINDS"); k != "" {
		kinds = strings.Split(k, ",") // e.g. kill,cut: only those
	}
	var total tally
	var recoveries []time.Duration
	lastOnline := time.Now()
	for i := 1; i <= n; i++ {
		kind := kinds[rng.IntN(len(kinds))]
		// Faults come after a stable connection (the backoff starts over
		// then); a link flapping faster is answered with growing delays.
		time.Sleep(time.Until(lastOnline.Add(stableAfter + 500*time.Millisecond)))
		a0, p0 := r.nextA+1, r.nextP+1
		r.sendA(perRound)
		r.sendP(perRound)
		if kind == "kill" && !r.settled(faultWait) {
			// The peer has no stream management: what it sent just before
			// the kill could die with the server, which is not parley's loss.
			t.Fatalf("fault %d: messages before the kill did not arrive", i)
		}
		began := time.Now()
		var end time.Time // when the fault is over: the account may be online from then on
		switch kind {
		case "kill":
			srv.Kill(t)
			r.peerUp = false
			r.sendA(perRound) // into the outbox
			time.Sleep(time.Duration(500+rng.IntN(1500)) * time.Millisecond)
			r.peer().Close()
			// The peer is back before parley: a message stored offline
			// just as the peer logs in can miss the hand-out at its
			// initial presence (ejabberd 23.01, seen in its debug log:
			// stored 60 ms before the peer's stream opened, not handed
			// out at its presence 140 ms later), which is the server's
			// loss, not parley's. The paused proxy holds parley's
			// reconnection attempts until then.
			r.px.Pause()
			srv.Restart(t)
			r.peers = append(r.peers, servertest.StartPeer(r.t, srv, r.bob, "pw"))
			r.peerUp = true
			r.px.Resume()
			end = time.Now()
		case "cut":
			r.px.Cut()
			end = time.Now() // a resumption can be over before the sends below
			r.sendA(perRound)
			r.sendP(perRound)
		case "hang":
			r.px.Pause()
			r.sendA(perRound)
			r.sendP(perRound)
			time.Sleep(faultKeepalive + time.Duration(rng.IntN(2000))*time.Millisecond)
			r.px.Resume()
			end = time.Now()
		case "stop":
			r.px.Pause()
			r.px.Cut()
			r.sendA(perRound)
			r.sendP(perRound)
			time.Sleep(faultSMTimeout + 2*time.Second + time.Duration(rng.IntN(2000))*time.Millisecond)
			r.px.Resume()
			end = time.Now()
		}
		on := r.log.onlineAfter(t, end)
		if kind == "kill" {
			r.sendP(1)
		}
		r.sendA(1)
		r.sendP(1)
		r.settled(faultWait)
		tl := r.count(a0, r.nextA, p0, r.nextP)
		total.sent += tl.sent
		total.received += tl.received
		total.lost += tl.lost
		total.dup += tl.dup
		recoveries = append(recoveries, on.at.Sub(end))
		lastOnline = on.at
		t.Logf("fault %2d %-4s lasted %5.1fs: sent %d, received %d, lost %d, duplicated %d; online %5.2fs after the fault's end (%s)",
			i, kind, end.Sub(began).Seconds(), tl.sent, tl.received, tl.lost, tl.dup, on.at.Sub(end).Seconds(), on.text)
	}

	// Every message once, in order.
	r.settled(faultWait)
	final := r.count(1, r.nextA, 1, r.nextP)
	hist, order := r.history()
	var lastA, lastP int
	for _, b := range order {
		num, err := strconv.Atoi(b[1:])
		if err != nil {
			continue
		}
		switch b[0] {
		case 'a':
			if num < lastA {
				t.Errorf("history order: %s after a%03d", b, lastA)
			}
			lastA = num
		case 'p':
			if num < lastP {
				t.Errorf("history order: %s after p%03d", b, lastP)
			}
			lastP = num
		}
	}
	for b, c := range hist {
		if c > 1 {
			t.Errorf("%s is %d times in history", b, c)
		}
	}
	peer := r.atPeer()
	for i := 1; i <= r.nextA; i++ {
		if b := fmt.Sprintf("a%03d", i); peer[b] != 1 {
			t.Errorf("the peer received %s %d times", b, peer[b])
		}
	}
	for i := 1; i <= r.nextP; i++ {
		if b := fmt.Sprintf("p%03d", i); hist[b] != 1 {
			t.Errorf("history has %s %d times", b, hist[b])
		}
	}
	var sum, worst time.Duration
	for _, d := range recoveries {
		sum += d
		worst = max(worst, d)
	}
	t.Logf("total over %d faults: sent %d, received %d, lost %d, duplicated %d (at the end: lost %d, duplicated %d); back online after the fault's end: mean %.2fs, worst %.2fs",
		n, total.sent, total.received, total.lost, total.dup, final.lost, final.dup, (sum / time.Duration(len(recoveries))).Seconds(), worst.Seconds())
	r.log.mu.Lock()
	for _, s := range r.log.infos {
		t.Logf("info: %s", s)
	}
	r.log.mu.Unlock()
}
