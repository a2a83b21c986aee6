package axolotl

import "testing"

func FuzzParseEncrypted(f *testing.F) {
	e := &Encrypted{SID: 5, Keys: []Key{{RID: 6, PreKey: true, Data: []byte{0x33, 1}}}, IV: make([]byte, 12), Payload: []byte("p")}
	b, _ := e.Marshal()
	f.Add(b)
	f.Add([]byte(`<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="1"><iv>AAAAAAAAAAAAAAAA</iv></header></encrypted>`))
	f.Add([]byte(`<encrypted xmlns="eu.siacs.conversations.axolotl"><header sid="1"><key rid="2" prekey="1">AA</key><iv>AAAA</iv></header><payload/></encrypted>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEncryptedBytes(b)
		if err != nil {
			return
		}
		if len(e.Keys) > MaxKeys || len(e.Payload) > MaxPayloadBytes {
			t.Fatal("bounds exceeded")
		}
		out, err := e.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseEncryptedBytes(out); err != nil {
			t.Fatalf("reparse of %s: %v", out, err)
		}
	})
}

func FuzzParseDeviceList(f *testing.F) {
	f.Add([]byte(`<list xmlns="eu.siacs.conversations.axolotl"><device id="12345"/><device id="4223" label="Gajim"/></list>`))
	f.Add([]byte(`<list xmlns="eu.siacs.conversations.axolotl"/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseDeviceListBytes(b)
		if err != nil {
			return
		}
		if len(l.Devices) > MaxDevices {
			t.Fatal("bounds exceeded")
		}
		for _, d := range l.Devices {
			if d.ID == 0 || d.ID >= 1<<31 {
				t.Fatalf("bad id %d", d.ID)
			}
		}
	})
}

func FuzzParseBundle(f *testing.F) {
	b, _ := testBundle().Marshal()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		bu, err := ParseBundleBytes(b)
		if err != nil {
			return
		}
		if CheckKey(bu.IdentityKey) != nil || CheckKey(bu.SignedPreKey) != nil || len(bu.Signature) != 64 || len(bu.PreKeys) == 0 {
			t.Fatal("unchecked bundle")
		}
		for _, pk := range bu.PreKeys {
			if CheckKey(pk.Pub) != nil {
				t.Fatal("unchecked pre-key")
			}
		}
	})
}

func FuzzOpen(f *testing.F) {
	kt, iv, p, _ := Seal([]byte("hi"))
	f.Add(kt, iv, p)
	f.Fuzz(func(t *testing.T, kt, iv, p []byte) {
		_, _ = Open(kt, iv, p)
	})
}
