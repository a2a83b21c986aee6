package ui

import "github.com/gdamore/tcell/v2"

// frameScreen is the screen tview draws on. tview clears the whole screen
// before every frame and the widgets redraw it; tcell, seeing each cell go
// blank and then back to its old text, marks every cell that holds text as
// changed, so every frame sent the whole screen to the terminal again (a few
// kilobytes per message or key, over SSH too, and a fifth of the CPU of a
// flood). frameScreen turns Clear into "start a frame": it notes which cells
// the frame draws, and at Show blanks the cells an earlier frame drew that
// this one did not. Cells drawn as they were stay unchanged for tcell, and
// only what changed is sent. After each Show, every cell the shown frame did
// not draw is blank: so only cells drawn since the last Show need a look.
//
// frameScreen also keeps a shadow of what each cell holds: a Put of the
// grapheme and style a cell already has only marks it drawn, without
// tcell's lock, grapheme parse and cell compare (most cells of a frame are
// drawn as they were: the roster, the occupants, the bars).
type frameScreen struct {
	tcell.Screen
	w, h     int
	frame    uint32        // frame number, counting Clear calls
	drawn    []uint32      // for each cell, the frame that last drew it
	shadow   []cellShadow  // what each cell holds, as put through frameScreen
	shadowSt []tcell.Style // the style of each cell of shadow
	owner    []uint8       // the pane that put each cell (panes.go)
	scope    uint8         // the pane being drawn
	shown    uint32        // the frame of the last Show
	unknown  bool          // cell contents unknown (new or resized): blank all undrawn
	clearing bool          // a frame started by Clear is being drawn

	// changedBy has bit 1<<id set for each pane id whose cells reached
	// tcell since the last Show (a blanked cell counts for the pane that
	// had put it; a fill, a style, a moved cursor or a resumed screen for
	// paneOther); onShow gets it at each Show. cursor is where the cursor
	// is asked to be and shownCursor where it was at the last Show. Show
	// calls tcell's Show only when something changed: tcell's Show scans
	// every cell of the screen even when none changed (about 0.1-0.2 ms for
	// 120x40), and a stream of messages to a window not shown changes
	// nothing but a count in the window bar.
	changedBy           uint16
	onShow              func(changedBy uint16)
	cursor, shownCursor cursorAt

	styles styleTable // ids of the styles of laid-out rows (frame_styles.go)
}

// cursorAt is a cursor position, or hidden.
type cursorAt struct {
	x, y    int
	visible bool
}

// cellShadow is what a cell holds as frameScreen last put it: a grapheme g
// of width w (1 or 2) in the style frameScreen.shadowSt has for the cell,
// whose id is sid (frame_styles.go; 0 when put without one); ok is false
// when unknown (never put, put through a string of several graphemes, or
// half of a wide grapheme overwritten). The styles are kept apart so that
// the shadow a frame compares is small.
type cellShadow struct {
	g   string
	sid uint16
	w   uint8
	ok  bool
}

func newFrameScreen(s tcell.Screen) *frameScreen { return &frameScreen{Screen: s, scope: paneOther} }

// Clear implements tcell.Screen: it starts a frame.
func (s *frameScreen) Clear() {
	w, h := s.Screen.Size()
	if w != s.w || h != s.h || s.drawn == nil {
		s.w, s.h = w, h
		s.drawn = make([]uint32, w*h)
		s.shadow = make([]cellShadow, w*h)
		s.shadowSt = make([]tcell.Style, w*h)
		s.owner = make([]uint8, w*h)
		s.frame, s.shown, s.unknown = 0, 0, true
	}
	s.frame++
	if s.frame == 0 { // wrapped around
		clear(s.drawn)
		s.frame, s.shown, s.unknown = 1, 0, true
	}
	s.clearing = true
}

// mark notes that width cells from (x, y) were drawn in this frame.
func (s *frameScreen) mark(x, y, width int) {
	if y < 0 || y >= s.h {
		return
	}
	for i := x; i < x+width; i++ {
		if i >= 0 && i < s.w {
			s.drawn[y*s.w+i] = s.frame
			s.owner[y*s.w+i] = s.scope
		}
	}
}

// Put implements tcell.Screen.
func (s *frameScreen) Put(x, y int, str string, st tcell.Style) (string, int) {
	if x < 0 || y < 0 || x >= s.w || y >= s.h {
		rest, width := s.Screen.Put(x, y, str, st)
		s.mark(x, y, width)
		s.changedBy |= 1 << s.scope
		return rest, width
	}
	if c := &s.shadow[y*s.w+x]; c.ok && c.g == str && s.shadowSt[y*s.w+x] == st {
		s.mark(x, y, int(c.w))
		return "", int(c.w)
	}
	return s.put(x, y, str, st)
}

// put is Put of a cell on the screen that is not known to hold str in st.
func (s *frameScreen) put(x, y int, str string, st tcell.Style) (string, int) {
	i := y*s.w + x
	rest, width := s.Screen.Put(x, y, str, st)
	s.mark(x, y, width)
	s.changedBy |= 1 << s.scope
	s.shadow[i] = cellShadow{g: str, w: uint8(width), ok: rest == "" && (width == 1 || width == 2)}
	s.shadowSt[i] = st
	if x > 0 && s.shadow[i-1].w == 2 {
		s.shadow[i-1].ok = false // its right half is gone
	}
	if width == 2 && x+1 < s.w {
		s.shadow[i+1] = cellShadow{}
	}
	return rest, width
}

// SetContent implements tcell.Screen.
func (s *frameScreen) SetContent(x, y int, primary rune, combining []rune, st tcell.Style) {
	s.Put(x, y, string(append([]rune{primary}, combining...)), st)
}

// SetCell implements tcell.Screen.
func (s *frameScreen) SetCell(x, y int, st tcell.Style, ch ...rune) {
	if len(ch) > 0 {
		s.SetContent(x, y, ch[0], ch[1:], st)
	}
}

// PutStr implements tcell.Screen.
func (s *frameScreen) PutStr(x, y int, str string) {
	s.PutStrStyled(x, y, str, tcell.StyleDefault)
}

// PutStrStyled implements tcell.Screen.
func (s *frameScreen) PutStrStyled(x, y int, str string, st tcell.Style) {
	w, _ := s.Screen.Size()
	for str != "" && x < w {
		var width int
		str, width = s.Put(x, y, str, st)
		if width == 0 {
			break
		}
		x += width
	}
}

// Fill implements tcell.Screen: every cell is drawn.
func (s *frameScreen) Fill(r rune, st tcell.Style) {
	s.Screen.Fill(r, st)
	s.changedBy |= 1 << paneOther
	clear(s.shadow)
	for i := range s.owner {
		s.owner[i] = paneOther
	}
	s.clearing = false
}

// Show implements tcell.Screen: cells this frame did not draw become blank,
// then tcell sends what changed.
func (s *frameScreen) Show() {
	if s.clearing {
		s.clearing = false
		for i, f := range s.drawn {
			if f != s.frame && (f >= s.shown && f > 0 || s.unknown) {
				s.Screen.Put(i%s.w, i/s.w, " ", tcell.StyleDefault) // a no-op for tcell when blank
				s.changedBy |= 1 << s.owner[i]
				s.shadow[i] = cellShadow{g: " ", w: 1, ok: true}
				s.shadowSt[i] = tcell.StyleDefault
				s.owner[i] = paneNone
				if i%s.w > 0 && s.shadow[i-1].w == 2 {
					s.shadow[i-1].ok = false
				}
			}
		}
		s.shown, s.unknown = s.frame, false
	}
	if s.cursor != s.shownCursor {
		s.changedBy |= 1 << paneOther
	}
	by := s.changedBy
	s.changedBy = 0
	if s.onShow != nil {
		s.onShow(by)
	}
	if by == 0 {
		return // nothing for the terminal
	}
	s.shownCursor = s.cursor
	s.Screen.Show()
}

// ShowCursor implements tcell.Screen.
func (s *frameScreen) ShowCursor(x, y int) {
	s.cursor = cursorAt{x: x, y: y, visible: true}
	s.Screen.ShowCursor(x, y)
}

// HideCursor implements tcell.Screen.
func (s *frameScreen) HideCursor() {
	s.cursor = cursorAt{}
	s.Screen.HideCursor()
}

// SetStyle implements tcell.Screen: the default style of blank cells.
func (s *frameScreen) SetStyle(st tcell.Style) {
	s.Screen.SetStyle(st)
	s.changedBy |= 1 << paneOther
}

// SetCursorStyle implements tcell.Screen.
func (s *frameScreen) SetCursorStyle(cs tcell.CursorStyle, c ...tcell.Color) {
	s.Screen.SetCursorStyle(cs, c...)
	s.changedBy |= 1 << paneOther
}

// Resume implements tcell.Screen: after a suspension (an external editor)
// the terminal holds something else, so the next frame is drawn and shown
// whole, as on a new screen.
func (s *frameScreen) Resume() error {
	err := s.Screen.Resume()
	s.drawn = nil // the next Clear starts afresh (unknown: every cell put and shown)
	s.changedBy |= 1 << paneOther
	return err
}
