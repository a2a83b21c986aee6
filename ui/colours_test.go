package ui

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/gdamore/tcell/v2/terminfo"
)

// outTty is a keyTty that keeps what parley writes to the terminal.
type outTty struct {
	*keyTty
	mu  sync.Mutex
	out strings.Builder
}

func (t *outTty) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.Write(p)
}

func (t *outTty) written() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.String()
}

// sgr finds the SGR sequences of terminal output.
var sgr = regexp.MustCompile(`\x1b\[([0-9;]*)m`)

// colourKinds returns the kinds of colour the SGR sequences of out set:
// "basic" (30-37, 40-47), "bright" (90-97, 100-107), "256" (38;5;N) and
// "rgb" (38;2;R;G;B); the default colours (39, 49) are none.
func colourKinds(out string) map[string]bool {
	kinds := map[string]bool{}
	for _, m := range sgr.FindAllStringSubmatch(out, -1) {
		ps := strings.Split(m[1], ";")
		for i := 0; i < len(ps); i++ {
			n, _ := strconv.Atoi(ps[i])
			switch {
			case (n == 38 || n == 48) && i+1 < len(ps) && ps[i+1] == "5":
				kinds["256"] = true
				i += 2
			case (n == 38 || n == 48) && i+1 < len(ps) && ps[i+1] == "2":
				kinds["rgb"] = true
				i += 4
			case n >= 30 && n <= 37, n >= 40 && n <= 47:
				kinds["basic"] = true
			case n >= 90 && n <= 97, n >= 100 && n <= 107:
				kinds["bright"] = true
			}
		}
	}
	return kinds
}

// TestColourDepths draws the dark theme, with nick colours (XEP-0392, 24-bit
// colours), on terminals of 8, 256 and 24-bit colours, and checks the
// colour sequences sent: none the terminal cannot show (tcell brings each
// colour to the nearest one it has), exact colours where it has them; and
// the mono theme sends no colour at all.
func TestColourDepths(t *testing.T) {
	t.Setenv("COLORTERM", "")
	t.Setenv("TCELL_TRUECOLOR", "")
	tests := []struct {
		term      string
		theme     Theme
		want, not []string // colour kinds that must, and must not, be sent (colourKinds)
	}{
		{"screen", DefaultTheme(), []string{"basic"}, []string{"bright", "256", "rgb"}},
		{"tmux-256color", DefaultTheme(), []string{"basic"}, []string{"rgb"}},
		{"xterm-truecolor", DefaultTheme(), []string{"rgb"}, nil},
		{"xterm-truecolor", Theme{Mono: true}, nil, []string{"basic", "bright", "256", "rgb"}},
	}
	for _, tt := range tests {
		name := tt.term
		if tt.theme.Mono {
			name += "/mono"
		}
		t.Run(name, func(t *testing.T) {
			ti, err := terminfo.LookupTerminfo(tt.term)
			if err != nil {
				t.Skipf("no %s terminfo: %v", tt.term, err)
			}
			tty := &outTty{keyTty: newKeyTty(100, 30)}
			scr, err := tcell.NewTerminfoScreenFromTtyTerminfo(tty, ti)
			if err != nil {
				t.Fatal(err)
			}
			h := runUIOpts(t, scr, func(o *Options) { o.Theme = tt.theme }, nil, newFake("me@example.org"))
			f := h.fakes[0]
			fillRoster(h, f)
			t0 := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
			h.post(msgIn(f, "alice@example.org/laptop", "hi", t0), msgIn(f, "bob@example.org/x", "yo", t0))
			h.sync(func() { h.u.show(1) })
			h.waitFor("drawn", func() bool { return strings.Contains(tty.written(), "hi") })
			kinds := colourKinds(tty.written())
			for _, k := range tt.want {
				if !kinds[k] {
					t.Errorf("no %s colour sent (sent: %v)", k, kinds)
				}
			}
			for _, k := range tt.not {
				if kinds[k] {
					t.Errorf("a %s colour sent (sent: %v)", k, kinds)
				}
			}
		})
	}
}
