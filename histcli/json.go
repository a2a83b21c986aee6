package histcli

import (
	"bytes"
	"encoding/json"
	"strings"

	"parley/history"
	"parley/sanitize"
)

// jsonMsg is one line of `parley history --json`: a message in the folded
// view. Every text field is sanitized as the UI draws it (the body keeps its
// line breaks, as "\n"); times are RFC 3339 in UTC with milliseconds.
type jsonMsg struct {
	Account   string         `json:"account"`
	Conv      string         `json:"conv"`
	Time      string         `json:"time"`
	Dir       string         `json:"dir"` // "in" or "out"
	From      string         `json:"from"`
	Nick      string         `json:"nick,omitempty"`
	Type      string         `json:"type,omitempty"`
	ID        string         `json:"id,omitempty"`
	OriginID  string         `json:"origin_id,omitempty"`
	StanzaID  string         `json:"stanza_id,omitempty"`
	Body      string         `json:"body"`
	Edited    bool           `json:"edited,omitempty"`
	Retracted bool           `json:"retracted,omitempty"`
	Moderated bool           `json:"moderated,omitempty"`
	By        string         `json:"moderated_by,omitempty"`
	Reason    string         `json:"reason,omitempty"`
	Reactions []jsonReaction `json:"reactions,omitempty"`
	ReplyID   string         `json:"reply_id,omitempty"`
	Marker    string         `json:"marker,omitempty"`
	// Update marks, with --follow, a message printed before that a
	// correction, reaction, retraction or moderation changed: the line
	// holds its new state (find it again by id or stanza_id).
	Update bool `json:"update,omitempty"`
}

type jsonReaction struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Ours  bool   `json:"ours,omitempty"`
}

// appendJSON appends record r of conversation c as one JSON line; it
// returns b unchanged for a record that is not a message.
func appendJSON(b []byte, c history.Conv, r history.Record, update bool) []byte {
	if r.Kind != "" {
		return b
	}
	m := jsonMsg{
		Account: sanitize.Text(c.Account), Conv: sanitize.Text(c.Conv),
		Time: r.Time.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Dir:  sanitize.Text(r.Dir), From: sanitize.Text(r.From), Nick: sanitize.Text(r.Nick),
		Type: sanitize.Text(r.Type), ID: sanitize.Text(r.ID), OriginID: sanitize.Text(r.OriginID),
		StanzaID: sanitize.Text(r.StanzaID),
		Body:     strings.Join(sanitize.Lines(r.Body), "\n"),
		Edited:   r.Folded.Edited, Retracted: r.Folded.Retracted, Moderated: r.Folded.Moderated,
		By: sanitize.Text(r.Folded.By), Reason: sanitize.Text(r.Folded.Reason),
		ReplyID: sanitize.Text(r.ReplyID), Marker: sanitize.Text(r.Folded.Marker),
		Update: update,
	}
	if r.Body == "" {
		m.Body = ""
	}
	for _, re := range r.Folded.Reactions {
		m.Reactions = append(m.Reactions, jsonReaction{Emoji: sanitize.Text(re.Emoji), Count: re.Count, Ours: re.Ours})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil { // strings, bools and ints: cannot fail
		return b
	}
	return append(b, buf.Bytes()...)
}
