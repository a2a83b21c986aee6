package upload

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("é", 150) + ".jpeg"
	for _, c := range []struct{ in, want string }{
		{"cat.jpg", "cat.jpg"},
		{"../../.bashrc", "bashrc"},
		{"/etc/passwd", "passwd"},
		{`..\..\evil.exe`, "evil.exe"},
		{"..", "download"},
		{".", "download"},
		{"", "download"},
		{"...", "download"},
		{"a\x1b[31mred\x07.txt", "a[31mred.txt"},
		{"name\u202e.txt", "name.txt"}, // right-to-left override
		{"  spaced  ", "spaced"},
		{"trailing.", "trailing"},
		{"what?.txt", "what_.txt"},
		{"\xff\xfe.bin", "bin"},
		{long, strings.Repeat("é", 97) + ".jpeg"},
	} {
		if got := SafeName(c.in); got != c.want {
			t.Errorf("SafeName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNameOf(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://up.example/slot/cat%20pic.jpg", "cat pic.jpg"},
		{"https://up.example/slot/..%2F..%2F.bashrc", "bashrc"},
		{"https://up.example/slot/%2e%2e", "download"},
		{"https://up.example/", "download"},
		{"https://up.example/a/b/?q=1#frag", "b"},
		{"aesgcm://up.example/s/x.png#00", "x.png"},
		{"https://up.example/%zz", "download"},
	} {
		if got := NameOf(c.in); got != c.want {
			t.Errorf("NameOf(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// serve answers GET of any path with data.
func serve(t *testing.T, data []byte) *httptest.Server {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSave(t *testing.T) {
	plain := random(t, 100_000)
	key, iv := random(t, KeySize), random(t, IVSize)
	srvPlain := serve(t, plain)
	srvEnc := serve(t, sealed(t, key, iv, plain))
	srvBad := serve(t, append(sealed(t, key, iv, plain)[:1000], make([]byte, 16)...))
	ctx := context.Background()

	dir := t.TempDir()
	var p Progress
	got, err := Save(ctx, srvPlain.Client(), srvPlain.URL+"/s/..%2F..%2F.bashrc", dir, "", &p)
	if err != nil {
		t.Fatal(err)
	}
	if got != filepath.Join(dir, "bashrc") {
		t.Fatalf("saved as %s, want %s", got, filepath.Join(dir, "bashrc"))
	}
	if b, _ := os.ReadFile(got); !bytes.Equal(b, plain) || p.Done() != int64(len(plain)) {
		t.Fatalf("saved %d bytes, progress %d, want %d", len(b), p.Done(), len(plain))
	}
	// Never over an existing file, and nothing left behind.
	if _, err := Save(ctx, srvPlain.Client(), srvPlain.URL+"/s/bashrc", dir, "", nil); !errors.Is(err, ErrExists) {
		t.Fatalf("second save: %v, want ErrExists", err)
	}

	// aesgcm://, into a directory given as PATH, then to a file path.
	aes := AESGCMURL(srvEnc.URL+"/s/photo.jpg", iv, key)
	sub := t.TempDir()
	if got, err = Save(ctx, srvEnc.Client(), aes, dir, sub, nil); err != nil || got != filepath.Join(sub, "photo.jpg") {
		t.Fatalf("aesgcm save: %s, %v", got, err)
	}
	if b, _ := os.ReadFile(got); !bytes.Equal(b, plain) {
		t.Fatal("aesgcm:// save did not decrypt to the original bytes")
	}
	chosen := filepath.Join(sub, "mine.bin")
	if got, err = Save(ctx, srvEnc.Client(), aes, dir, chosen, nil); err != nil || got != chosen {
		t.Fatalf("save to a chosen path: %s, %v", got, err)
	}

	// A file altered on the server is refused and nothing is kept.
	bad := AESGCMURL(srvBad.URL+"/s/altered.jpg", iv, key)
	if _, err := Save(ctx, srvBad.Client(), bad, dir, "", nil); !errors.Is(err, ErrAuth) {
		t.Fatalf("altered file: %v, want ErrAuth", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("the download directory holds %d entries, want only bashrc", len(ents))
	}

	for _, raw := range []string{"file:///etc/passwd", "aesgcm://h/x#zz", "aesgcm://h/x", "javascript:alert(1)", "http:///nohost"} {
		if _, err := Save(ctx, nil, raw, dir, "", nil); err == nil {
			t.Errorf("Save(%q) worked", raw)
		}
	}
	// TLS is verified: a client without the server's CA is refused.
	if _, err := Save(ctx, &http.Client{}, srvPlain.URL+"/s/x", dir, "", nil); err == nil {
		t.Fatal("a download from an untrusted certificate worked")
	}
}

func TestAESGCMURL(t *testing.T) {
	iv, key := bytes.Repeat([]byte{1}, 12), bytes.Repeat([]byte{2}, 32)
	u := AESGCMURL("https://up.example:5281/s/a%20b.jpg", iv, key)
	if want := "aesgcm://up.example:5281/s/a%20b.jpg#" + strings.Repeat("01", 12) + strings.Repeat("02", 32); u != want {
		t.Fatalf("AESGCMURL = %s", u)
	}
	get, iv2, key2, err := ParseAESGCM(u)
	if err != nil || get != "https://up.example:5281/s/a%20b.jpg" || !bytes.Equal(iv, iv2) || !bytes.Equal(key, key2) {
		t.Fatalf("ParseAESGCM: %s %x %x %v", get, iv2, key2, err)
	}
}
