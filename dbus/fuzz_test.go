package dbus

import (
	"bytes"
	"testing"
)

func FuzzReadMessage(f *testing.F) {
	m := &Message{Type: TypeMethodReturn, ReplySerial: 3, Destination: ":1.2", Body: []any{"x", uint32(7), []string{"a"}, map[string]Variant{"k": {Sig: "s", Value: "v"}}}}
	b, err := m.marshal()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add(b[:20])
	f.Add([]byte("B\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := readMessage(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, err := m.marshal(); err != nil && len(m.Body) == 0 {
			t.Errorf("a parsed message without body does not marshal: %v", err)
		}
	})
}

func TestMarshalRoundTrip(t *testing.T) {
	tests := []*Message{
		{Type: TypeMethodCall, Path: "/a", Member: "M", Body: []any{byte(1), true, int32(-2), ObjectPath("/o"), Signature("as")}},
		{Type: TypeSignal, Path: "/a", Interface: "i.f", Member: "S"},
		{Type: TypeError, ErrorName: "e.E", ReplySerial: 9, Body: []any{"why"}},
	}
	for _, m := range tests {
		b, err := m.marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := readMessage(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%+v: %v", m, err)
		}
		if got.Member != m.Member || got.ErrorName != m.ErrorName || got.ReplySerial != m.ReplySerial || len(got.Body) != len(m.Body) {
			t.Errorf("round trip %+v -> %+v", m, got)
		}
		for i := range m.Body {
			if got.Body[i] != m.Body[i] {
				t.Errorf("body %d: %v, want %v", i, got.Body[i], m.Body[i])
			}
		}
	}
}
