package main

// The glue between the configuration and the UI's theme, and between the
// control socket and the UI.

import (
	"context"

	"parley/config"
	"parley/ctl"
	"parley/ui"
)

// nickLuma is the Y' of the nick colours (XEP-0392) of a built-in theme:
// light on the dark theme's dark background, dark on the light one's, none
// in mono.
func nickLuma(theme string) uint8 {
	switch theme {
	case config.ThemeDark:
		return 190
	case config.ThemeLight:
		return 40
	}
	return 0
}

// uiTheme maps the configured colours to the UI's theme.
func uiTheme(t config.Theme) ui.Theme {
	return ui.Theme{
		Mono:       t.Name == config.ThemeMono,
		NickLuma:   nickLuma(t.Name),
		Background: t.Background,
		Foreground: t.Foreground,
		BarBg:      t.StatusBG,
		BarFg:      t.StatusFG,
		Time:       t.Timestamp,
		Own:        t.OwnMessage,
		Info:       t.Info,
		Error:      t.Error,
		Highlight:  t.Highlight,
		Online:     t.RosterOnline,
		Away:       t.RosterAway,
		DND:        t.RosterDND,
		Offline:    t.RosterOffline,
		Activity:   t.WindowActivity,
		HighMark:   t.WindowHighlight,
		Header:     t.RosterGroup,
	}
}

// ctlHandler answers the control socket with the UI.
type ctlHandler struct{ u *ui.UI }

func (h ctlHandler) Send(ctx context.Context, acct, to, text string) (bool, error) {
	return h.u.RemoteSend(ctx, acct, to, text)
}

func (h ctlHandler) SetStatus(ctx context.Context, acct, show, text string) error {
	return h.u.RemoteStatus(ctx, acct, show, text)
}

func (h ctlHandler) Accounts(ctx context.Context, acct string) ([]ctl.Account, error) {
	ras, err := h.u.RemoteAccounts(ctx, acct)
	out := make([]ctl.Account, len(ras))
	for i, a := range ras {
		out[i] = ctl.Account{JID: a.JID, State: a.State, Show: a.Show, Status: a.Status}
	}
	return out, err
}
