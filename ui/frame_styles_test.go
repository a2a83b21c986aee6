package ui

import (
	"math/rand/v2"
	"testing"

	"github.com/gdamore/tcell/v2"
)

// TestFrameStyleIDs checks that comparing cells by style id leaves on the
// screen exactly what drawing every frame whole does: random frames of
// laid-out rows (kept across frames, as the conversation's are, and new
// ones), cells put by widgets in the same styles, rows left blank, more
// distinct styles than the id table holds (so it starts again) and layouts
// of more styles than get ids, drawn through frameScreen on one simulation
// screen and cleared and drawn whole on another, must leave the same cells
// after every Show.
func TestFrameStyleIDs(t *testing.T) {
	const w, h = 12, 4
	got, want := tcell.NewSimulationScreen("UTF-8"), tcell.NewSimulationScreen("UTF-8")
	for _, s := range []tcell.Screen{got, want} {
		if err := s.Init(); err != nil {
			t.Fatal(err)
		}
		s.SetSize(w, h)
		defer s.Fini()
	}
	fs := newFrameScreen(got)
	rng := rand.New(rand.NewPCG(16, 3))
	graphemes := []string{"a", "b", "é", "日"}
	base := []tcell.Style{
		tcell.StyleDefault,
		tcell.StyleDefault.Foreground(tcell.ColorGreen),
		tcell.StyleDefault.Foreground(tcell.ColorGreen).Bold(true),
		tcell.StyleDefault.Background(tcell.ColorBlue),
	}
	style := func() tcell.Style {
		if rng.IntN(2) == 0 { // one of many: the table fills and starts again
			return tcell.StyleDefault.Foreground(tcell.NewRGBColor(rng.Int32N(256), rng.Int32N(256), rng.Int32N(256)))
		}
		return base[rng.IntN(len(base))]
	}
	newLayout := func() *layout {
		l := new(layout)
		if rng.IntN(40) == 0 { // more styles than ids are given to
			for i := 0; i <= maxStyleIDs/2; i++ {
				l.styles = append(l.styles, tcell.StyleDefault.Foreground(tcell.NewRGBColor(int32(i%256), int32(i/256), 7))) // distinct
			}
		}
		for col := rng.IntN(3); col < w; {
			g := graphemes[rng.IntN(len(graphemes))]
			gw := 1
			if g == "日" {
				gw = 2
			}
			if col+gw > w || rng.IntN(6) == 0 {
				break
			}
			l.cells = append(l.cells, laidCell{g: g, col: uint16(col), w: uint8(gw), st: l.style(style())})
			col += gw + rng.IntN(2)
		}
		l.ends = []int{len(l.cells)}
		return l
	}
	kept := []*layout{newLayout(), newLayout(), newLayout(), newLayout()}
	for frame := 0; frame < 6000; frame++ {
		kept[rng.IntN(len(kept))] = newLayout() // the others are kept, with their ids
		fs.Clear()
		want.Clear()
		for y := 0; y < h; y++ {
			switch rng.IntN(3) {
			case 0: // a laid-out row, as the conversation paints it
				l := kept[rng.IntN(len(kept))]
				l.paintRow(fs, 0, y, w, 0, tcell.StyleDefault)
				for _, c := range l.cells {
					want.Put(int(c.col), y, c.g, l.styles[c.st])
				}
			case 1: // a widget's cells
				for x := 0; x < w; x++ {
					if rng.IntN(2) == 0 {
						g, st := graphemes[rng.IntN(3)], style()
						fs.Put(x, y, g, st)
						want.Put(x, y, g, st)
					}
				}
			}
		}
		fs.Show()
		want.Show()
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				gs, gst, gw := got.Get(x, y)
				ws, wst, ww := want.Get(x, y)
				if gs != ws || gst != wst || gw != ww {
					t.Fatalf("frame %d, cell %d,%d: %q %v width %d, want %q %v width %d", frame, x, y, gs, gst, gw, ws, wst, ww)
				}
				x += gw - 1 // what the right half of a wide grapheme holds is not shown
			}
		}
	}
	if fs.styles.epoch < 2 {
		t.Errorf("the style table never started again (epoch %d, %d ids)", fs.styles.epoch, len(fs.styles.ids))
	}
}
