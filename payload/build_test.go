package payload

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"

	"mellium.im/xmlstream"
	"mellium.im/xmpp/stanza"

	"parley/msg"
)

// encode serializes tokens as mellium would write them.
func encode(t *testing.T, r xml.TokenReader) string {
	t.Helper()
	var b bytes.Buffer
	e := xml.NewEncoder(&b)
	if _, err := xmlstream.Copy(e, r); err != nil {
		t.Fatal(err)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestBuildRoundTrip builds outgoing payloads, serializes them in a
// message, and parses them back: what we send is what we understand.
func TestBuildRoundTrip(t *testing.T) {
	reg := Default()
	body, fb := QuoteFallback("Anna", "We should bake a cake\nwith 🍓", "Great idea!")
	tests := []struct {
		name     string
		payloads []xml.TokenReader
		check    func(t *testing.T, m msg.Message)
	}{
		{"correction", []xml.TokenReader{Body("fixed"), Correction("c1"), OriginID("c2")}, func(t *testing.T, m msg.Message) {
			if m.Correction == nil || m.Correction.ID != "c1" || m.OriginID != "c2" || m.Body != "fixed" {
				t.Errorf("%+v", m)
			}
		}},
		{"reply with fallback", []xml.TokenReader{Body(body), Reply(msg.Reply{ID: "r1", To: j("room@muc.example/anna")}), Fallback(fb)}, func(t *testing.T, m msg.Message) {
			if m.Reply == nil || m.Reply.ID != "r1" || m.Reply.To.String() != "room@muc.example/anna" {
				t.Errorf("reply %+v", m.Reply)
			}
			if got := m.StripFallback(NSReply); got != "Great idea!" {
				t.Errorf("stripped body %q", got)
			}
			if m.Body != "> Anna: We should bake a cake\n> with 🍓\nGreat idea!" {
				t.Errorf("body %q", m.Body)
			}
		}},
		{"reactions", []xml.TokenReader{Reactions("x", []string{"👍", "❤️"}), Hint("store")}, func(t *testing.T, m msg.Message) {
			if m.Reactions == nil || !reflect.DeepEqual(m.Reactions.Emojis, []string{"👍", "❤️"}) || !m.Hints.Store {
				t.Errorf("%+v", m)
			}
		}},
		{"retraction both generations", []xml.TokenReader{Retraction("o1", 1), Retraction("o1", 0), RetractionFallback(1), Body(RetractBody), Hint("store")}, func(t *testing.T, m msg.Message) {
			if m.Retraction == nil || m.Retraction.ID != "o1" || m.Retraction.Gen != 1 {
				t.Errorf("retraction %+v", m.Retraction)
			}
			if m.StripFallback(NSRetract1) != "" {
				t.Errorf("fallback does not cover the body: %+v", m.Fallbacks)
			}
		}},
		{"old retraction alone", []xml.TokenReader{Retraction("o1", 0), RetractionFallback(0), Body(RetractBody)}, func(t *testing.T, m msg.Message) {
			if m.Retraction == nil || m.Retraction.Gen != 0 || m.Retraction.ID != "o1" {
				t.Errorf("retraction %+v", m.Retraction)
			}
		}},
		{"states, markers, receipts, oob, unstyled", []xml.TokenReader{ChatState(msg.Paused), ChatState(msg.NoState), Markable(), Marker(msg.Acknowledged, "m9"), Marker(msg.NoMarker, "x"), ReceiptRequest(), ReceiptReceived("m8"), OOB(msg.OOB{URL: "https://e.example/f", Desc: "f"}), Unstyled()}, func(t *testing.T, m msg.Message) {
			want := msg.Message{ChatState: msg.Paused, Markable: true, Marker: msg.Marker{Kind: msg.Acknowledged, ID: "m9"},
				ReceiptRequest: true, ReceiptFor: "m8", OOB: []msg.OOB{{URL: "https://e.example/f", Desc: "f"}}, Unstyled: true}
			want.ID, want.From, want.To, want.Kind, want.Received = m.ID, m.From, m.To, m.Kind, m.Received
			if !reflect.DeepEqual(m, want) {
				t.Errorf("got %+v\nwant %+v", m, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := stanza.Message{ID: "out1", To: j("juliet@capulet.example"), Type: stanza.ChatMessage}.Wrap(xmlstream.MultiReader(tt.payloads...))
			s := encode(t, out)
			m, err := parseString(t, reg, s)
			if err != nil {
				t.Fatalf("Parse(%s): %v", s, err)
			}
			tt.check(t, m)
		})
	}
}

func TestModerationIQ(t *testing.T) {
	room := j("room@muc.example/me")
	tests := []struct {
		gen    uint8
		reason string
		want   []string
	}{
		{1, "spam", []string{`<iq `, `type="set"`, `to="room@muc.example"`, `id="q1"`,
			`<moderate xmlns="urn:xmpp:message-moderate:1" id="s-1"><retract xmlns="urn:xmpp:message-retract:1"></retract><reason xmlns="urn:xmpp:message-moderate:1">spam</reason></moderate>`}},
		{0, "", []string{`<apply-to xmlns="urn:xmpp:fasten:0" id="s-1"><moderate xmlns="urn:xmpp:message-moderate:0"><retract xmlns="urn:xmpp:message-retract:0"></retract></moderate></apply-to>`}},
	}
	for _, tt := range tests {
		s := encode(t, ModerationIQ("q1", room, "s-1", tt.reason, tt.gen))
		for _, w := range tt.want {
			if !strings.Contains(s, w) {
				t.Errorf("gen %d: %s\nlacks %s", tt.gen, s, w)
			}
		}
	}
}

func TestQuoteFallbackBounds(t *testing.T) {
	body, fb := QuoteFallback("", strings.Repeat("ü", 2000), "ok")
	m := msg.Message{Body: body, Fallbacks: []msg.Fallback{fb}}
	if got := m.StripFallback(NSReply); got != "ok" {
		t.Errorf("stripped %q", got)
	}
	if len(body) > 1100 {
		t.Errorf("quote not cut: %d bytes", len(body))
	}
}
