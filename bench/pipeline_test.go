package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/chatlog"
	"parley/history"
	"parley/ui"
)

var (
	me   = jid.MustParse("me@example.org")
	peer = jid.MustParse("peer@example.org/phone")
)

// benchAccount is the UI's view of an account that is online and sends
// nothing: the pipeline under test starts at the account's events.
type benchAccount struct{}

func (benchAccount) JID() jid.JID         { return me }
func (benchAccount) State() account.State { return account.Online }
func (benchAccount) SendMessage(context.Context, jid.JID, string, string) (account.Message, error) {
	return account.Message{}, nil
}
func (benchAccount) SetPresence(context.Context, account.Show, string) error { return nil }
func (benchAccount) Subscription(context.Context, jid.JID, string) error     { return nil }
func (benchAccount) RosterSet(context.Context, account.RosterItem) error     { return nil }
func (benchAccount) RosterRemove(context.Context, jid.JID) error             { return nil }

// pipeline is chatlog + history + UI on a 120x40 simulation screen.
type pipeline struct {
	scr   *recScreen
	u     *ui.UI
	sink  account.Sink
	store *history.Store
	seen  atomic.Int64 // message events forwarded to the UI
	stop  func()
}

func startPipeline(tb testing.TB) *pipeline {
	tb.Helper()
	store, err := history.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	p := &pipeline{scr: &recScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8")}, store: store}
	p.u = ui.New(ui.Options{Screen: p.scr, Accounts: []ui.Account{benchAccount{}}, History: store})
	rec := chatlog.New(store, func(ev account.Event) {
		if _, ok := ev.(account.MessageEvent); ok {
			p.seen.Add(1)
		}
		p.u.Post(ev)
	})
	p.sink = rec.Sink
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.u.Run(ctx) }()
	// Keys and sizes reach the screen once Run has initialised it.
	p.waitScreen(tb, "parley console")
	p.scr.SetSize(120, 40)
	p.stop = func() {
		cancel()
		<-done
		store.Close()
	}
	tb.Cleanup(p.stop)
	p.sink(account.StateEvent{Base: account.Base{Account: me}, State: account.Online})
	// Open the peer's window so that every message is drawn.
	p.typeLine("/msg " + peer.Bare().String())
	p.waitScreen(tb, "[2:"+peer.Bare().String()+"]")
	return p
}

// typeLine types text and Enter into the simulation screen.
func (p *pipeline) typeLine(s string) {
	for _, r := range s {
		p.scr.InjectKey(tcell.KeyRune, r, tcell.ModNone)
	}
	p.scr.InjectKey(tcell.KeyEnter, 0, tcell.ModNone)
}

// message is incoming message i as the account would emit it.
func message(i int) account.Event {
	return account.MessageEvent{Base: account.Base{Account: me}, Msg: account.Message{
		ID: fmt.Sprintf("m%d", i), OriginID: fmt.Sprintf("o%d", i),
		StanzaID: fmt.Sprintf("s%d", i), StanzaIDBy: me.String(),
		From: peer, To: me, Type: "chat", Dir: account.In, Time: time.Now().UTC(),
		Body: fmt.Sprintf("message number %d with some ordinary text in it", i),
	}}
}

// flood sends messages [from, to) and waits until the UI has drawn them
// all (the cursor test relies on draws, so wait for the queue to drain by
// watching a marker message).
func (p *pipeline) flood(tb testing.TB, from, to int) {
	for i := from; i < to; i++ {
		p.sink(message(i))
	}
	p.waitScreen(tb, fmt.Sprintf("message number %d ", to-1))
}

// waitScreen polls the screen until it contains s.
func (p *pipeline) waitScreen(tb testing.TB, s string) {
	deadline := time.Now().Add(60 * time.Second)
	for !p.screenHas(s) {
		if time.Now().After(deadline) {
			tb.Fatalf("screen never showed %q", s)
		}
		time.Sleep(time.Millisecond)
	}
}

func (p *pipeline) screenHas(s string) bool {
	p.scr.mu.Lock()
	defer p.scr.mu.Unlock()
	return strings.Contains(p.scr.text, s)
}

// recScreen is a simulation screen that keeps the text of the last frame
// shown. Show runs on the UI goroutine, the only writer of the cells, so
// reading them there is safe; readers elsewhere take the copy.
type recScreen struct {
	tcell.SimulationScreen
	mu   sync.Mutex
	text string
}

// Show implements tcell.Screen.
func (r *recScreen) Show() {
	r.SimulationScreen.Show()
	cells, w, h := r.SimulationScreen.GetContents()
	if len(cells) < w*h {
		return
	}
	var b strings.Builder
	for i, c := range cells[:w*h] {
		if len(c.Runes) > 0 {
			b.WriteRune(c.Runes[0])
		}
		if i%w == w-1 {
			b.WriteByte('\n')
		}
	}
	r.mu.Lock()
	r.text = b.String()
	r.mu.Unlock()
}

// BenchmarkPipeline is the in-process ceiling of everything after the
// account: chatlog writes each message to the history (dedup, O_APPEND
// write), the UI applies it and redraws in coalesced frames. One op is one
// message.
func BenchmarkPipeline(b *testing.B) {
	p := startPipeline(b)
	p.waitScreen(b, "me@example.org: online")
	cpu0 := cpuTime()
	b.ReportAllocs()
	b.ResetTimer()
	p.flood(b, 0, b.N)
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(cpu.Seconds()/float64(b.N)*10000, "cpu-s/10k")
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchOnly skips unless PARLEY_BENCH=1.
func benchOnly(t *testing.T) {
	if os.Getenv("PARLEY_BENCH") != "1" {
		t.Skip("a benchmark: run with PARLEY_BENCH=1 (scripts/bench.sh)")
	}
}

// report prints one figure for scripts/bench.sh.
func report(t *testing.T, name string, value float64, unit string) {
	t.Logf("BENCH %s %.3f %s", name, value, unit)
	fmt.Printf("BENCH %s %.3f %s\n", name, value, unit)
}

// percentiles returns p50, p99 and max of ds.
func percentiles(ds []time.Duration) (p50, p99, mx time.Duration) {
	if len(ds) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)*99/100, len(s)-1)], s[len(s)-1]
}

// TestKeyEchoInProcess floods 10,000 messages through the pipeline (as fast
// as it takes them, or PARLEY_BENCH_RATE messages a second) and, every
// 10 ms meanwhile, types a key and measures until the input line's
// cursor has moved (the key is drawn), then erases it with Ctrl-U.
func TestKeyEchoInProcess(t *testing.T) {
	benchOnly(t)
	const n = 10000
	p := startPipeline(t)
	p.waitScreen(t, "me@example.org: online")
	x0, _, _ := p.scr.GetCursor()
	cpu0 := cpuTime()
	start := time.Now()
	floodDone := make(chan struct{})
	rate := 0 // messages per second; 0: as fast as possible
	if r, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_RATE")); err == nil {
		rate = r
	}
	go func() {
		defer close(floodDone)
		tick := time.Now()
		for i := 0; i < n; i++ {
			p.sink(message(i))
			if rate > 0 && i%10 == 9 {
				tick = tick.Add(10 * time.Second / time.Duration(rate))
				time.Sleep(time.Until(tick))
			}
		}
	}()
	var delays []time.Duration
	flooding := true
	for flooding {
		select {
		case <-floodDone:
			flooding = false
		default:
		}
		t0 := time.Now()
		p.scr.InjectKey(tcell.KeyRune, 'x', tcell.ModNone)
		if !waitCursor(p.scr, x0+1) {
			t.Fatal("key never echoed")
		}
		delays = append(delays, time.Since(t0))
		p.scr.InjectKey(tcell.KeyCtrlU, 0, tcell.ModNone)
		if !waitCursor(p.scr, x0) {
			t.Fatal("Ctrl-U never drawn")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.waitScreen(t, fmt.Sprintf("message number %d ", n-1))
	wall := time.Since(start)
	cpu := cpuTime() - cpu0
	p50, p99, mx := percentiles(delays)
	report(t, "inproc_flood_wall", wall.Seconds(), "s")
	report(t, "inproc_flood_cpu", cpu.Seconds(), "s")
	report(t, "inproc_echo_samples", float64(len(delays)), "")
	report(t, "inproc_echo_p50", float64(p50.Microseconds())/1000, "ms")
	report(t, "inproc_echo_p99", float64(p99.Microseconds())/1000, "ms")
	report(t, "inproc_echo_max", float64(mx.Microseconds())/1000, "ms")
}

// waitCursor polls until the cursor is at column x (5 s at most).
func waitCursor(scr *recScreen, x int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if cx, _, _ := scr.GetCursor(); cx == x {
			return true
		}
		time.Sleep(50 * time.Microsecond)
	}
	return false
}

// TestSteadyStreamInProcess feeds the pipeline PARLEY_BENCH_RATE messages
// a second (default 100) for PARLEY_BENCH_SECS seconds (default 10) and
// reports the CPU it cost per second of stream, then the CPU per second
// of the same time idle afterwards (what wake-ups cost).
func TestSteadyStreamInProcess(t *testing.T) {
	benchOnly(t)
	rate, secs := 100, 10
	if r, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_RATE")); err == nil && r > 0 {
		rate = r
	}
	if s, err := strconv.Atoi(os.Getenv("PARLEY_BENCH_SECS")); err == nil && s > 0 {
		secs = s
	}
	p := startPipeline(t)
	p.waitScreen(t, "me@example.org: online")
	n := rate * secs
	cpu0, start := cpuTime(), time.Now()
	for i := 0; i < n; i++ {
		p.sink(message(i))
		time.Sleep(time.Until(start.Add(time.Duration(i+1) * time.Second / time.Duration(rate))))
	}
	p.waitScreen(t, fmt.Sprintf("message number %d ", n-1))
	wall, cpu := time.Since(start), cpuTime()-cpu0
	report(t, "inproc_stream_cpu_per_s", float64(cpu.Microseconds())/1000/wall.Seconds(), "ms")
	cpu0, start = cpuTime(), time.Now()
	time.Sleep(time.Duration(secs) * time.Second)
	wall, cpu = time.Since(start), cpuTime()-cpu0
	report(t, "inproc_idle_cpu_per_s", float64(cpu.Microseconds())/1000/wall.Seconds(), "ms")
}
