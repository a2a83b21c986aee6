package ui

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/rivo/uniseg"
	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/history"
	"parley/msg"
	"parley/muc"
	"parley/render"
)

// The account side of the references (implemented by *account.Account).
// Each is optional: a command says so when the account lacks it. The
// account emits what it sent as a MessageEvent with Dir Out (a reply as
// our message, the others as references), which is what updates the line.

// ReactAccount is an account that sends XEP-0444 reactions.
type ReactAccount interface {
	// React sends emojis as our whole reaction set for message id; an
	// empty set withdraws ours.
	React(ctx context.Context, to jid.JID, typ, id string, emojis []string) error
}

// RetractAccount is an account that retracts our own messages (XEP-0424).
type RetractAccount interface {
	// Retract retracts our message id.
	Retract(ctx context.Context, to jid.JID, typ, id string) error
}

// ModerateAccount is an account that asks a room to remove a message
// (XEP-0425).
type ModerateAccount interface {
	// Moderate asks room to remove the message with the room's stanza-id
	// id, for reason (may be empty).
	Moderate(ctx context.Context, room jid.JID, id, reason string) error
}

// ReplyAccount is an account that sends XEP-0461 replies, with the
// XEP-0428 fallback quote for clients without them.
type ReplyAccount interface {
	// Reply sends body as a reply to r, quoting quoteText by quoteAuthor
	// in the fallback.
	Reply(ctx context.Context, to jid.JID, typ, body string, r msg.Reply, quoteAuthor, quoteText string) (account.Message, error)
}

// commonEmoji are offered by the react prompt (keys 1 to 6).
var commonEmoji = [...]string{"👍", "❤️", "😂", "😮", "😢", "🙏"}

// shortcodes are the :shortcode: names /react and the react prompt take.
var shortcodes = map[string]string{
	":+1:": "👍", ":thumbsup:": "👍", ":-1:": "👎", ":thumbsdown:": "👎",
	":heart:": "❤️", ":joy:": "😂", ":rofl:": "🤣", ":smile:": "😄", ":smiley:": "😃",
	":laughing:": "😆", ":wink:": "😉", ":slight_smile:": "🙂", ":open_mouth:": "😮",
	":astonished:": "😲", ":cry:": "😢", ":sob:": "😭", ":pray:": "🙏", ":tada:": "🎉",
	":fire:": "🔥", ":eyes:": "👀", ":ok_hand:": "👌", ":thinking:": "🤔", ":clap:": "👏",
	":100:": "💯", ":white_check_mark:": "✅", ":check:": "✅", ":x:": "❌", ":rocket:": "🚀",
	":wave:": "👋", ":star:": "⭐", ":muscle:": "💪", ":raised_hands:": "🙌", ":confused:": "😕",
	":angry:": "😠", ":scream:": "😱", ":sweat_smile:": "😅", ":heart_eyes:": "😍",
}

// shortcodeNames are the shortcodes, sorted, for completion.
func shortcodeNames() []string {
	names := make([]string, 0, len(shortcodes))
	for k := range shortcodes {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// parseEmoji turns what was typed into one emoji: a :shortcode:, or one
// grapheme cluster that is not plain text (XEP-0444 reactions are emoji).
func parseEmoji(s string) (string, error) {
	s = strings.TrimSpace(s)
	if e, ok := shortcodes[strings.ToLower(s)]; ok {
		return e, nil
	}
	g, rest, _, _ := uniseg.FirstGraphemeClusterInString(s, -1)
	if g == "" || rest != "" || g[0] < 0x80 {
		return "", errors.New("not one emoji: type one, or a :shortcode: such as :thumbsup: (Tab completes them)")
	}
	return g, nil
}

// convWin returns the conversation window of a command and its message
// type.
func convWin(w *window) (string, error) {
	if w.kind != winChat && w.kind != winRoom {
		return "", errors.New("this is not a conversation")
	}
	return msgType(w) // ui/cmd_room.go
}

// lastTheirs is the newest message from the other side in w that is not
// removed: what /react reacts to without a selection.
func lastTheirs(w *window) *entry {
	for i := w.buf.len() - 1; i >= 0; i-- {
		if e := w.buf.at(i); e.isMessage() && !e.own() && !e.removed() {
			return e
		}
	}
	return nil
}

// lastOwn is our newest message in w that is not removed: what /retract
// retracts.
func lastOwn(w *window) *entry {
	for i := w.buf.len() - 1; i >= 0; i-- {
		if e := w.buf.at(i); e.isMessage() && e.own() && !e.removed() {
			return e
		}
	}
	return nil
}

// canRefer reports why a reference to e's message cannot be sent from w:
// not a conversation (or a room not joined), a tombstone, no id to name.
func canRefer(w *window, e *entry, retract bool) error {
	typ, err := convWin(w)
	if err != nil {
		return err
	}
	if e.removed() {
		return errors.New("that message was removed")
	}
	if refID(e, typ == "groupchat", retract) == "" {
		return errNoRefID(typ == "groupchat")
	}
	return nil
}

// errNoRefID explains a message that a reference cannot name.
func errNoRefID(group bool) error {
	if group {
		return errors.New("the room gave that message no id (no stanza-id): it cannot be referred to")
	}
	return errors.New("that message has no id: it cannot be referred to")
}

// cmdReact is /react EMOJI: on the selected message, else the newest from
// the other side; the same emoji again takes ours back.
func cmdReact(u *UI, c *call) error {
	w := c.win
	if _, err := convWin(w); err != nil {
		return err
	}
	emoji, err := parseEmoji(c.args[0])
	if err != nil {
		return err
	}
	e := u.selected(w)
	if e == nil {
		if e = lastTheirs(w); e == nil {
			return errors.New("no message to react to in this window")
		}
	}
	return u.react(w, e, emoji)
}

// react toggles our reaction emoji on e's message: added to our set, or
// taken out of it when it is there.
func (u *UI) react(w *window, e *entry, emoji string) error {
	typ, err := convWin(w)
	if err != nil {
		return err
	}
	if e.removed() {
		return errors.New("that message was removed")
	}
	ra, ok := w.acct.a.(ReactAccount)
	if !ok {
		return errors.New("account " + w.acct.jid.String() + " cannot send reactions")
	}
	group := typ == "groupchat"
	id := refID(e, group, false)
	if id == "" {
		return errNoRefID(group)
	}
	var ours []string
	if e.ext != nil {
		ours = history.OurReactions(e.ext.sets)
	}
	set := slices.Clone(ours)
	if i := slices.Index(set, emoji); i >= 0 {
		set = slices.Delete(set, i, i+1)
	} else {
		set = append(set, emoji)
	}
	if set == nil {
		set = []string{}
	}
	peer := w.peer
	u.asyncSend(w.acct, w, func(ctx context.Context) (string, error) { // in order with the messages (sendlane.go)
		return "", ra.React(ctx, peer, typ, id, set)
	})
	return nil
}

// cmdRetract is /retract: our newest message in this window.
func cmdRetract(u *UI, c *call) error {
	w := c.win
	if _, err := convWin(w); err != nil {
		return err
	}
	e := lastOwn(w)
	if e == nil {
		return errors.New("no message of yours to retract in this window")
	}
	return u.retract(w, e)
}

// retract retracts our message of line e.
func (u *UI) retract(w *window, e *entry) error {
	typ, err := convWin(w)
	if err != nil {
		return err
	}
	if !e.own() {
		return errors.New("only your own messages can be retracted (a moderator removes others' with /moderate)")
	}
	ra, ok := w.acct.a.(RetractAccount)
	if !ok {
		return errors.New("account " + w.acct.jid.String() + " cannot retract messages")
	}
	group := typ == "groupchat"
	id := refID(e, group, true)
	if id == "" {
		return errNoRefID(group)
	}
	peer := w.peer
	u.asyncSend(w.acct, w, func(ctx context.Context) (string, error) {
		return "", ra.Retract(ctx, peer, typ, id)
	})
	return nil
}

// cmdModerate is /moderate [reason]: the selected message of this room.
func cmdModerate(u *UI, c *call) error {
	e := u.selected(c.win)
	if e == nil {
		return errors.New("select the message to remove first (Alt-s, then the arrows)")
	}
	reason := ""
	if len(c.args) > 0 {
		reason = c.args[0]
	}
	return u.moderate(c.win, e, reason)
}

// isModerator reports whether we are a moderator of the room of w.
func isModerator(w *window) bool {
	if w.kind != winRoom || w.room == nil {
		return false
	}
	o, ok := w.room.occ.Get(w.room.nick)
	return ok && o.Role == muc.RoleModerator
}

// moderate asks the room of w to remove e's message.
func (u *UI) moderate(w *window, e *entry, reason string) error {
	if w.kind != winRoom {
		return errors.New("messages are moderated in rooms only")
	}
	if _, err := msgType(w); err != nil {
		return err
	}
	if !isModerator(w) {
		return errors.New("you are not a moderator of this room")
	}
	if e.removed() {
		return errors.New("that message was removed already")
	}
	ma, ok := w.acct.a.(ModerateAccount)
	if !ok {
		return errors.New("account " + w.acct.jid.String() + " cannot moderate messages")
	}
	id := refID(e, true, false)
	if id == "" {
		return errNoRefID(true)
	}
	room := w.peer
	u.async(w, func(ctx context.Context) (string, error) { // an IQ: it waits for the room, not behind our messages
		return "", ma.Moderate(ctx, room, id, reason)
	})
	return nil
}

// reply sends body as a reply to e's message, with the fallback quote.
func (u *UI) reply(w *window, e *entry, body string) error {
	typ, err := convWin(w)
	if err != nil {
		return err
	}
	if strings.TrimSpace(body) == "" {
		return errors.New("nothing to send")
	}
	ra, ok := w.acct.a.(ReplyAccount)
	if !ok {
		return errors.New("account " + w.acct.jid.String() + " cannot send replies")
	}
	group := typ == "groupchat"
	id := refID(e, group, false)
	if id == "" {
		return errNoRefID(group)
	}
	r := msg.Reply{ID: id}
	if to, err := jid.Parse(e.from); err == nil {
		r.To = to
	}
	author := e.text[e.nickStart:e.nickEnd]
	text := strings.TrimSuffix(strings.TrimSuffix(e.bodyText(), render.EditedMark), " ")
	peer := w.peer
	u.asyncSend(w.acct, w, func(ctx context.Context) (string, error) {
		_, err := ra.Reply(ctx, peer, typ, body, r, author, text)
		return "", err
	})
	return nil
}

// correctLine sends text as a correction of our message of line e.
func (u *UI) correctLine(w *window, e *entry, text string) error {
	typ, err := convWin(w)
	if err != nil {
		return err
	}
	if !e.own() || e.removed() {
		return errors.New("only your own messages can be corrected")
	}
	ca, ok := w.acct.a.(CorrectAccount)
	if !ok {
		return errors.New("account " + w.acct.jid.String() + " cannot send corrections")
	}
	id := e.msgID // the original stanza's id, also after corrections (XEP-0308)
	if id == "" {
		id = e.idOf('i')
	}
	if id == "" {
		return errNoRefID(false)
	}
	peer := w.peer
	u.asyncSend(w.acct, w, func(ctx context.Context) (string, error) {
		_, err := ca.Correct(ctx, peer, typ, id, text)
		return "", err
	})
	return nil
}

// completeEmoji offers the shortcodes.
func completeEmoji(_ *UI, n int, _ []string) []string {
	if n != 0 {
		return nil
	}
	return shortcodeNames()
}

// prefixed returns the words of all that start with prefix, ignoring case.
func prefixed(all []string, prefix string) []string {
	var out []string
	for _, s := range all {
		if strings.HasPrefix(strings.ToLower(s), strings.ToLower(prefix)) {
			out = append(out, s)
		}
	}
	return out
}
