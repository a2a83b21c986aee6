package history

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 14, 5, 9, 123e6, time.UTC)

func TestRecordRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		r    Record
		want string
	}{
		{"minimal", Record{Time: t0, Dir: In, From: "a@x/r", Type: "chat", Body: "hi"},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"in","from":"a@x/r","type":"chat","body":"hi"}`},
		{"all fields", Record{Time: t0, Dir: Out, Kind: KindCorrection, From: "me@x/r", Type: "chat", Body: "fixed",
			Nick: "me", ID: "i1", OriginID: "o1", StanzaID: "s1", StanzaBy: "me@x", Replaces: "i0"},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"out","k":"correction","from":"me@x/r","type":"chat","nick":"me","id":"i1","oid":"o1","sid":"s1","sby":"me@x","rep":"i0","body":"fixed"}`},
		{"escapes", Record{Time: t0, Dir: In, Body: "a\"b\\c\nd\te\x01\u2028 é 😀 <&>"},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"in","body":"a\"b\\c\nd\te\u0001\u2028 é 😀 <&>"}`},
		{"sub-millisecond time and zone", Record{Time: time.Date(2026, 1, 2, 4, 4, 5, 999999999, time.FixedZone("x", 3600)), Dir: In},
			`{"v":2,"t":"2026-01-02T03:04:05.999Z","dir":"in"}`},
		{"v2 ids and a reaction", Record{Time: t0, Dir: In, Kind: KindReactions, From: "r@m/n", Type: "groupchat",
			Ref: "s9", OccupantID: "occ1", StanzaIDs: []StanzaID{{"s1", "r@m"}, {"f\"1", "x@y"}}, Emojis: []string{"👍", "❤"}},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"in","k":"reactions","from":"r@m/n","type":"groupchat","ref":"s9","occ":"occ1","sids":[{"id":"s1","by":"r@m"},{"id":"f\"1","by":"x@y"}],"emo":["👍","❤"]}`},
		{"v2 moderation and reply", Record{Time: t0, Dir: In, Kind: KindModerate, From: "r@m", Type: "groupchat",
			Ref: "s1", By: "r@m/mod", ReplyID: "q", ReplyTo: "r@m/a", Body: "spam"},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"in","k":"moderate","from":"r@m","type":"groupchat","ref":"s1","by":"r@m/mod","reply":"q","rto":"r@m/a","body":"spam"}`},
		{"reply with its quote", Record{Time: t0, Dir: Out, From: "me@x/r", Type: "chat", ReplyID: "b1", ReplyTo: "a@x/r", Quote: "> a: hi\n", Body: "hello"},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"out","from":"me@x/r","type":"chat","reply":"b1","rto":"a@x/r","quote":"> a: hi\n","body":"hello"}`},
		{"unstyled", Record{Time: t0, Dir: In, From: "a@x/r", Type: "chat", Unstyled: true, Body: "*not bold*"},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"in","from":"a@x/r","type":"chat","uns":true,"body":"*not bold*"}`},
		{"withdrawn reactions", Record{Time: t0, Dir: Out, Kind: KindReactions, Ref: "i1", Emojis: []string{}},
			`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"out","k":"reactions","ref":"i1","emo":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line := string(appendRecord(nil, tt.r))
			if line != tt.want+"\n" {
				t.Fatalf("encoded\n%s\nwant\n%s", line, tt.want)
			}
			if !json.Valid([]byte(line)) {
				t.Fatal("not valid JSON")
			}
			got, _, err := parseRecord([]byte(tt.want), scope{me, bob})
			if err != nil {
				t.Fatal(err)
			}
			want := tt.r
			want.V = Version
			want.Time = want.Time.UTC().Truncate(time.Millisecond)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("parsed %+v\nwant   %+v", got, want)
			}
		})
	}
}

func TestInvalidUTF8Body(t *testing.T) {
	line := appendRecord(nil, Record{Time: t0, Dir: In, Body: "a\xffb"})
	r, _, err := parseRecord(line[:len(line)-1], scope{})
	if err != nil || r.Body != "a\ufffdb" {
		t.Fatalf("got %q, %v", r.Body, err)
	}
}

func TestParseLines(t *testing.T) {
	tests := []struct {
		line string
		ok   bool
		body string
	}{
		{`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"x"}`, true, "x"},
		{` { "v" : 1 , "t" : "2026-11-23T14:05:09Z" , "body" : "sp\u0041ce\ud83d\ude00" } `, true, "spAce😀"},
		{`{"v":2,"t":"2026-11-23T14:05:09.123Z","body":"future","new":{"a":[1,"}"]},"n":1.5e3,"b":true}`, true, "future"},
		{`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"lone \ud800 surrogate"}`, true, "lone \ufffd surrogate"},
		{``, false, ""},
		{`{}`, false, ""},
		{`{"v":1}`, false, ""},
		{`{"t":"2026-11-23T14:05:09.123Z"}`, true, ""},
		{`{"t":1795442709.123,"b":"compact"}`, true, "compact"},
		{`{"t":-1.5,"body":"before 1970"}`, true, "before 1970"},
		{`{"t":1795442709}`, true, ""},
		{`{"t":1795442709.1234}`, false, ""},
		{`{"t":1.795442709e9}`, false, ""},
		{`{"t":1234567890123}`, false, ""},
		{`{"t":true}`, false, ""},
		{`{"t":"1795442709"}`, false, ""},
		{`{"v":2,"t":1795442709.5,"body":"x"}`, true, "x"},
		{`{"v":0,"t":"2026-11-23T14:05:09.123Z"}`, false, ""},
		{`{"v":1,"t":"yesterday"}`, false, ""},
		{`{"v":1,"t":"2026-13-23T14:05:09.123Z"}`, false, ""},
		{`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"x"`, false, ""},
		{`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"x"}}`, false, ""},
		{`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"x\q"}`, false, ""},
		{`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"raw` + "\x01" + `"}`, false, ""},
		{`{"v":1,"t":"2026-11-23T14:05:09.123Z","n":01}`, false, ""},
		{`MR 20240102T03:04:05Z 000 mcabber line`, false, ""},
		{`[1,2]`, false, ""},
	}
	for _, tt := range tests {
		r, _, err := parseRecord([]byte(tt.line), scope{me, bob})
		if (err == nil) != tt.ok {
			t.Errorf("%s: err %v, want ok=%v", tt.line, err, tt.ok)
			continue
		}
		if tt.ok && r.Body != tt.body {
			t.Errorf("%s: body %q, want %q", tt.line, r.Body, tt.body)
		}
	}
}

// FuzzParseRecord: the parser never panics, accepts only valid JSON objects,
// and what it accepts survives encode/parse unchanged.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(`{"v":1,"t":"2026-11-23T14:05:09.123Z","dir":"in","from":"a@x/r","body":"hi \u00e9"}`))
	f.Add([]byte(`{"v":1,"t":"2026-11-23T14:05:09.123Z","k":"head","account":"a@x","conv":"b@y"}`))
	f.Add([]byte(`{"v":3,"t":"2026-11-23T14:05:09Z","x":[{"y":"\""}],"body":"\ud83d\ude00"}`))
	f.Add([]byte(`{"v":2,"t":"2026-11-23T14:05:09.123Z","dir":"in","k":"reactions","ref":"s1","occ":"o","sids":[{"id":"s1","by":"r@m"},{"id":7},[],"x"],"emo":["👍",1,{"a":"b"},"\u00e9"]}`))
	f.Add([]byte(`{"v":2,"t":"2026-11-23T14:05:09.123Z","sids":"notalist","emo":[[[[]]]],"body":"x"}`))
	f.Add([]byte(`{"v":1,"t":"2026-11-23T14:05:09.123Z","body":"x\"`))
	f.Add([]byte(`{"t":1795442709.123,"f":"/phone","o":"Ab3","s":"Zx3","b":"hi"}`))
	f.Add([]byte(`{"t":1795442709,"dir":"out","f":"/parley","o":"Ab3","id":"","b":"sent"}`))
	f.Add([]byte(`{"t":1795442709.1,"n":"ann","occ":"dX9","o":"x","s":"r41","sids":[],"b":"room"}`))
	f.Add([]byte(`{"t":-1.5,"dir":"","f":"","type":"","sby":"","k":"link"}`))
	f.Add([]byte(`{"t":1,"f":"eve@evil.example/x","n":"a/b","sby":"other@x","s":"1","sids":[{"id":"2","by":"y"}]}`))
	f.Add([]byte(`{"t":1,"f":"/p","ou":"g3fcm3OEQV-8OJAMcSPvVA","su":"9TltRWukTnmMPRPZx-P21g","id":"","b":"u"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		sc := scope{me, bob}
		r, _, err := parseRecord(line, sc)
		if err != nil {
			return
		}
		if !json.Valid(line) {
			t.Fatalf("accepted invalid JSON %q", line)
		}
		if r.IsMeta() && r.Kind == KindHead {
			return
		}
		for _, enc := range [][]byte{appendRecord(nil, r), appendCompact(nil, sc, r)} {
			if strings.Count(string(enc), "\n") != 1 || !json.Valid(enc) {
				t.Fatalf("bad encoding %q", enc)
			}
			r2, _, err := parseRecord(enc[:len(enc)-1], sc)
			if err != nil {
				t.Fatalf("re-parse of %q: %v", enc, err)
			}
			sameRecord(t, string(enc), r2, r)
		}
	})
}

// sameRecord fails unless got and want are the same record (times as
// instants, versions aside: the encoders write their own).
func sameRecord(t *testing.T, line string, got, want Record) {
	t.Helper()
	if !got.Time.Equal(want.Time) {
		t.Fatalf("%s: time %v, want %v", line, got.Time, want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	got.V, want.V = 0, 0
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: round trip\n%+v\nwant\n%+v", line, got, want)
	}
}
