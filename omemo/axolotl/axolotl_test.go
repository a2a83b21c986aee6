package axolotl

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func key33(b byte) []byte {
	k := bytes.Repeat([]byte{b}, KeyLen)
	k[0] = KeyType
	return k
}

func TestEncryptedRoundTrip(t *testing.T) {
	for _, e := range []*Encrypted{
		{SID: 27183, Keys: []Key{{RID: 31415, Data: []byte("abc")}, {RID: 12321, PreKey: true, Data: []byte{1, 2, 3, 4}}}, IV: make([]byte, 12), Payload: []byte("ciphertext")},
		{SID: 1, Keys: []Key{{RID: 2, Data: []byte{9}}}, IV: make([]byte, 16)},
		{SID: 1<<31 - 1, Keys: []Key{{RID: 2, Data: []byte{9}}}, IV: make([]byte, 12), Payload: []byte{}},
	} {
		b, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseEncryptedBytes(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("round trip of %s:\n got %+v\nwant %+v", b, got, e)
		}
	}
}

// TestEncryptedConversations parses an element as Conversations sends it.
func TestEncryptedConversations(t *testing.T) {
	in := `<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="1473204133"><key prekey="true" rid="919284373">MwhB</key><key rid="5">Mwg=</key><iv>` +
		"\n  AAAAAAAAAAAAAAAA\n" + `</iv></header><payload>qqqq</payload></encrypted>`
	e, err := ParseEncryptedBytes([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if e.SID != 1473204133 || len(e.Keys) != 2 || !e.Keys[0].PreKey || e.Keys[1].PreKey || len(e.IV) != 12 || len(e.Payload) != 3 {
		t.Fatalf("%+v", e)
	}
	if k, ok := e.KeyFor(5); !ok || !bytes.Equal(k.Data, []byte{0x33, 0x08}) {
		t.Fatalf("KeyFor(5) = %v %v", k, ok)
	}
}

func TestEncryptedMalformed(t *testing.T) {
	const ns = ` xmlns="eu.siacs.conversations.axolotl"`
	iv := `<iv>AAAAAAAAAAAAAAAA</iv>`
	for name, in := range map[string]string{
		"wrong ns":    `<encrypted xmlns="urn:xmpp:omemo:2"><header sid="1">` + iv + `</header></encrypted>`,
		"no header":   `<encrypted` + ns + `><payload>qq</payload></encrypted>`,
		"no sid":      `<encrypted` + ns + `><header>` + iv + `</header></encrypted>`,
		"sid zero":    `<encrypted` + ns + `><header sid="0">` + iv + `</header></encrypted>`,
		"sid big":     `<encrypted` + ns + `><header sid="2147483648">` + iv + `</header></encrypted>`,
		"sid neg":     `<encrypted` + ns + `><header sid="-4">` + iv + `</header></encrypted>`,
		"no iv":       `<encrypted` + ns + `><header sid="1"></header></encrypted>`,
		"short iv":    `<encrypted` + ns + `><header sid="1"><iv>AAAA</iv></header></encrypted>`,
		"two ivs":     `<encrypted` + ns + `><header sid="1">` + iv + iv + `</header></encrypted>`,
		"bad base64":  `<encrypted` + ns + `><header sid="1"><key rid="2">!!</key>` + iv + `</header></encrypted>`,
		"empty key":   `<encrypted` + ns + `><header sid="1"><key rid="2"></key>` + iv + `</header></encrypted>`,
		"big key":     `<encrypted` + ns + `><header sid="1"><key rid="2">` + strings.Repeat("A", 4000) + `</key>` + iv + `</header></encrypted>`,
		"child key":   `<encrypted` + ns + `><header sid="1"><key rid="2"><x/></key>` + iv + `</header></encrypted>`,
		"two headers": `<encrypted` + ns + `><header sid="1">` + iv + `</header><header sid="1">` + iv + `</header></encrypted>`,
		"truncated":   `<encrypted` + ns + `><header sid="1">` + iv,
		"deep":        `<encrypted` + ns + `><x>` + strings.Repeat("<a>", 20) + strings.Repeat("</a>", 20) + `</x></encrypted>`,
		"many keys":   `<encrypted` + ns + `><header sid="1">` + strings.Repeat(`<key rid="2">AA==</key>`, MaxKeys+1) + iv + `</header></encrypted>`,
		"not xml":     `garbage`,
		"empty":       ``,
	} {
		if _, err := ParseEncryptedBytes([]byte(in)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestDeviceList(t *testing.T) {
	in := `<list xmlns="eu.siacs.conversations.axolotl"><device id="12345"/><device id="4223" label="Gajim"/><device id="12345"/><other/></list>`
	l, err := ParseDeviceListBytes([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{{ID: 12345}, {ID: 4223, Label: "Gajim"}}
	if !reflect.DeepEqual(l.Devices, want) {
		t.Fatalf("got %+v", l.Devices)
	}
	b, _ := l.Marshal()
	l2, err := ParseDeviceListBytes(b)
	if err != nil || !reflect.DeepEqual(l2, l) {
		t.Fatalf("round trip %s: %+v %v", b, l2, err)
	}
	empty, err := ParseDeviceListBytes([]byte(`<list xmlns="eu.siacs.conversations.axolotl"/>`))
	if err != nil || len(empty.Devices) != 0 {
		t.Fatalf("empty list: %+v %v", empty, err)
	}
	for name, in := range map[string]string{
		"bad id":  `<list xmlns="eu.siacs.conversations.axolotl"><device id="x"/></list>`,
		"no id":   `<list xmlns="eu.siacs.conversations.axolotl"><device/></list>`,
		"too big": `<list xmlns="eu.siacs.conversations.axolotl">` + strings.Repeat(`<device id="1"/><device id="2"/>`, 1) + manyDevices(MaxDevices+1) + `</list>`,
		"ns":      `<list xmlns="jabber:x"><device id="1"/></list>`,
	} {
		if _, err := ParseDeviceListBytes([]byte(in)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func manyDevices(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(`<device id="` + itoa(100+i) + `"/>`)
	}
	return b.String()
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var s []byte
	for ; i > 0; i /= 10 {
		s = append([]byte{byte('0' + i%10)}, s...)
	}
	return string(s)
}

func testBundle() *Bundle {
	return &Bundle{SignedPreKeyID: 1, SignedPreKey: key33(1), Signature: bytes.Repeat([]byte{7}, 64), IdentityKey: key33(2),
		PreKeys: []PreKey{{ID: 1, Pub: key33(3)}, {ID: 2, Pub: key33(4)}}}
}

func TestBundle(t *testing.T) {
	b := testBundle()
	x, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseBundleBytes(x)
	if err != nil || !reflect.DeepEqual(got, b) {
		t.Fatalf("round trip %s: %+v %v", x, got, err)
	}
	for name, mod := range map[string]func(*Bundle){
		"short identity":   func(b *Bundle) { b.IdentityKey = b.IdentityKey[:32] },
		"empty identity":   func(b *Bundle) { b.IdentityKey = nil },
		"identity type":    func(b *Bundle) { b.IdentityKey[0] = 0x06 },
		"short spk":        func(b *Bundle) { b.SignedPreKey = b.SignedPreKey[1:] },
		"short signature":  func(b *Bundle) { b.Signature = b.Signature[:63] },
		"no prekeys":       func(b *Bundle) { b.PreKeys = nil },
		"only bad prekeys": func(b *Bundle) { b.PreKeys = []PreKey{{ID: 1, Pub: []byte{5}}} },
	} {
		bb := testBundle()
		mod(bb)
		x, _ := bb.Marshal()
		if _, err := ParseBundleBytes(x); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	// A bad one-time pre-key among good ones is dropped.
	bb := testBundle()
	bb.PreKeys = append(bb.PreKeys, PreKey{ID: 9, Pub: []byte{5, 1}})
	x, _ = bb.Marshal()
	got, err = ParseBundleBytes(x)
	if err != nil || len(got.PreKeys) != 2 {
		t.Fatalf("bad pre-key kept: %+v %v", got, err)
	}
}

func TestPayload(t *testing.T) {
	for _, msg := range []string{"", "hello", strings.Repeat("x", 5000)} {
		kt, iv, p, err := Seal([]byte(msg))
		if err != nil {
			t.Fatal(err)
		}
		if len(kt) != 32 || len(iv) != 12 || len(p) != len(msg) {
			t.Fatalf("sizes %d %d %d", len(kt), len(iv), len(p))
		}
		out, err := Open(kt, iv, p)
		if err != nil || string(out) != msg {
			t.Fatalf("open: %q %v", out, err)
		}
		// The old form: bare key, tag on the payload.
		out, err = Open(kt[:16], iv, append(append([]byte{}, p...), kt[16:]...))
		if err != nil || string(out) != msg {
			t.Fatalf("open old form: %q %v", out, err)
		}
		bad := append([]byte{}, kt...)
		bad[20] ^= 1
		if _, err := Open(bad, iv, p); err == nil {
			t.Fatal("forged tag opened")
		}
		for _, kt := range [][]byte{nil, kt[:5], kt[:17]} {
			if _, err := Open(kt, iv, p); err == nil {
				t.Fatal("short key opened")
			}
		}
		if _, err := Open(kt, iv[:5], p); err == nil {
			t.Fatal("short iv opened")
		}
	}
}

func TestCheckKey(t *testing.T) {
	for _, tc := range []struct {
		k  []byte
		ok bool
	}{{key33(1), true}, {nil, false}, {[]byte{5}, false}, {key33(1)[:32], false}, {append(key33(1), 0), false}, {append([]byte{6}, key33(1)[1:]...), false}} {
		if (CheckKey(tc.k) == nil) != tc.ok {
			t.Errorf("CheckKey(%x) ok=%v", tc.k, !tc.ok)
		}
	}
}
