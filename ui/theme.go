package ui

import (
	"github.com/gdamore/tcell/v2"
	"mellium.im/xmpp/color"

	"parley/account"
)

// Theme holds the colours of the UI.
type Theme struct {
	Background tcell.Color // panes
	Foreground tcell.Color // ordinary text
	BarBg      tcell.Color // title bar, window list and status bar background
	BarFg      tcell.Color // their text
	Time       tcell.Color // message times
	Own        tcell.Color // our own messages and nick
	Info       tcell.Color // info lines: presence changes, notices
	Error      tcell.Color // error lines
	Highlight  tcell.Color // lines that mention us; roster selection
	Online     tcell.Color // presence online and chat
	Away       tcell.Color // presence away and xa
	DND        tcell.Color // presence dnd
	Offline    tcell.Color // offline contacts
	Activity   tcell.Color // window list: window with unread messages
	HighMark   tcell.Color // window list: window with a highlight
	Header     tcell.Color // roster account and group headers
	// Mono draws without colour (the mono theme, NO_COLOR): what colours
	// tell apart is told by attributes: the bars reversed, the current
	// window's label not, highlighted lines bold, error lines bold and
	// underlined.
	Mono bool
	// NickLuma is the Y' of the XEP-0392 nick colours: high on a dark
	// background, low on a light one; 0 draws nicks in the foreground.
	NickLuma uint8
}

// DefaultTheme returns the colours used when Options.Theme is zero: light
// text on the terminal's own background.
func DefaultTheme() Theme {
	return Theme{
		Background: tcell.ColorDefault,
		Foreground: tcell.ColorDefault,
		BarBg:      tcell.ColorNavy,
		BarFg:      tcell.ColorWhite,
		Time:       tcell.ColorGray,
		Own:        tcell.ColorTeal,
		Info:       tcell.ColorGray,
		Error:      tcell.ColorRed,
		Highlight:  tcell.ColorYellow,
		Online:     tcell.ColorGreen,
		Away:       tcell.ColorOlive,
		DND:        tcell.ColorRed,
		Offline:    tcell.ColorGray,
		Activity:   tcell.ColorAqua,
		HighMark:   tcell.ColorYellow,
		Header:     tcell.ColorSilver,
		NickLuma:   nickLuma,
	}
}

// current is the style of the current window's label on the bar.
func (t Theme) current(st tcell.Style) tcell.Style {
	return st.Reverse(!t.Mono)
}

// line adds the attributes that tell a line of kind k apart in mono.
func (t Theme) line(st tcell.Style, k lineKind) tcell.Style {
	if !t.Mono {
		return st
	}
	switch k {
	case lineError:
		return st.Bold(true).Underline(true)
	case lineHigh:
		return st.Bold(true)
	}
	return st
}

// base is the style of ordinary text.
func (t Theme) base() tcell.Style {
	return tcell.StyleDefault.Background(t.Background).Foreground(t.Foreground)
}

// bar is the style of the bars.
func (t Theme) bar() tcell.Style {
	return tcell.StyleDefault.Background(t.BarBg).Foreground(t.BarFg).Reverse(t.Mono)
}

// presenceSymbol returns the one-cell symbol and colour of a presence.
// Symbols are checked to be one cell wide in the uniseg table.
func (t Theme) presenceSymbol(show account.Show, available bool) (string, tcell.Color) {
	if !available || show == account.ShowOffline {
		return "○", t.Offline
	}
	switch show {
	case account.ShowAway, account.ShowXA:
		return "◐", t.Away
	case account.ShowDND:
		return "⊘", t.DND
	}
	return "●", t.Online
}

// showWord is the word shown for a presence.
func showWord(show account.Show, available bool) string {
	if !available || show == account.ShowOffline {
		return "offline"
	}
	if show == account.ShowOnline {
		return "online"
	}
	return string(show)
}

// nickLuma is the Y' of XEP-0392 nick colours in the dark theme: light
// enough to read on a dark terminal.
const nickLuma = 190

// nickColor returns the XEP-0392 consistent colour of a nick or JID, cached.
func (u *UI) nickColor(name string) tcell.Color {
	if u.theme.NickLuma == 0 {
		return u.theme.Foreground
	}
	if c, ok := u.nickColors[name]; ok {
		return c
	}
	if len(u.nickColors) > 4096 {
		clear(u.nickColors)
	}
	ycc := color.String(name, u.theme.NickLuma, color.None)
	r, g, b, _ := ycc.RGBA()
	c := tcell.NewRGBColor(int32(r>>8), int32(g>>8), int32(b>>8))
	u.nickColors[name] = c
	return c
}
