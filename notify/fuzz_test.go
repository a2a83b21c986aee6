package notify_test

import (
	"os"
	"path/filepath"
	"testing"

	"parley/notify"
)

func FuzzLoadModes(f *testing.F) {
	f.Add([]byte("me@x\troom@c.x\ton\nme@x\tbob@x\toff\n"))
	f.Add([]byte("\t\t\n\x00\tmentions"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "notify")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		ms, _ := notify.LoadModes(path)
		ms.Get("me@x", "bob@x")
	})
}

func FuzzShorten(f *testing.F) {
	f.Add("hello\x1b[2J world")
	f.Fuzz(func(t *testing.T, s string) {
		out := notify.Shorten(s, notify.MaxBody)
		for _, r := range out {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
				t.Fatalf("control %U in %q", r, out)
			}
		}
	})
}
