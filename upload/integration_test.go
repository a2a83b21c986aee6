package upload_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/internal/servertest"
	"parley/upload"
)

// onlineB is online for a benchmark: alice on s.
func onlineB(b *testing.B, s *servertest.Server) *account.Account {
	return online(b, s, s.AddUser(b, "alice", "pw"))
}

// online starts an account for j on s and waits until it is online.
func online(t testing.TB, s *servertest.Server, j jid.JID) *account.Account {
	t.Helper()
	up := make(chan struct{})
	var once bool
	a := account.New(account.Config{
		JID:      j,
		Password: func(context.Context) (string, error) { return "pw", nil },
		Host:     s.Host,
		Port:     s.Port,
		CAFile:   s.CAFile,
		Resource: "parley",
	}, func(e account.Event) {
		if se, ok := e.(account.StateEvent); ok && se.State == account.Online && !once {
			once = true
			close(up)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	go a.Run(ctx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer ccancel()
		a.Close(cctx)
		cancel()
	})
	select {
	case <-up:
	case <-time.After(30 * time.Second):
		t.Fatal("account not online")
	}
	return a
}

// writeRandom writes n random bytes to a file in dir and returns its path
// and the bytes.
func writeRandom(t *testing.T, dir, name string, n int) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	_, _ = rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, b
}

func get(t *testing.T, c *http.Client, url string) []byte {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %v", url, resp.Status, err)
	}
	return b
}

const limit = 4 << 20

// TestIntegrationUpload: against Prosody's http_file_share and ejabberd's
// mod_http_upload, over http and https: a file goes up and comes back byte for byte; encrypted (https
// only) it comes back decrypted by Save; a file over the limit is refused
// before a slot is asked for; a cancelled and an interrupted upload
// report it.
func TestIntegrationUpload(t *testing.T) {
	servertest.Each(t, func(t *testing.T, kind servertest.Kind) { testIntegrationUpload(t, kind) })
}

func testIntegrationUpload(t *testing.T, kind servertest.Kind) {
	for _, scheme := range []string{"http", "https"} {
		t.Run(scheme, func(t *testing.T) {
			s := servertest.Start(t, kind, servertest.WithFileShare(limit, scheme))
			s.Require(t, servertest.FileShare)
			a := online(t, s, s.AddUser(t, "alice", "pw"))
			client, err := a.HTTPClient()
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			svc, err := a.UploadService(ctx)
			if err != nil || svc.JID.String() != s.Upload || svc.MaxSize != limit {
				t.Fatalf("UploadService = %+v, %v; want %s with limit %d", svc, err, s.Upload, limit)
			}
			dir := t.TempDir()
			path, data := writeRandom(t, dir, "the file.bin", 300_001)
			var p upload.Progress
			res, err := (&upload.Job{Path: path, Client: client, Slot: a.UploadSlot, Progress: &p}).Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.URL, scheme+"://") || res.Name != "the file.bin" || res.Size != int64(len(data)) || p.Done() != int64(len(data)) {
				t.Fatalf("result %+v, progress %d", res, p.Done())
			}
			if got := get(t, client, res.URL); !bytes.Equal(got, data) {
				t.Fatalf("GET returned %d bytes, not the file's %d", len(got), len(data))
			}

			enc, err := (&upload.Job{Path: path, Client: client, Slot: a.UploadSlot, Encrypt: true}).Run(ctx)
			if scheme == "http" {
				if !errors.Is(err, upload.ErrNotHTTPS) {
					t.Fatalf("an encrypted upload to an http slot: %v, want ErrNotHTTPS", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(enc.URL, "aesgcm://") {
					t.Fatalf("encrypted upload URL %s", enc.URL)
				}
				https := "https://" + strings.TrimPrefix(strings.Split(enc.URL, "#")[0], "aesgcm://")
				if got := get(t, client, https); bytes.Equal(got, data) || len(got) != len(data)+upload.TagSize {
					t.Fatal("the server holds the plain file, or not its ciphertext")
				}
				saved, err := upload.Save(ctx, client, enc.URL, filepath.Join(dir, "dl"), "", nil)
				if err != nil {
					t.Fatal(err)
				}
				if got, _ := os.ReadFile(saved); !bytes.Equal(got, data) {
					t.Fatal("the aesgcm:// download does not decrypt to the file")
				}
			}

			// Over the limit: refused before anything is asked or sent.
			big, _ := writeRandom(t, dir, "big.bin", limit+1)
			var bp upload.Progress
			asked := 0
			_, err = (&upload.Job{Path: big, Client: client, Progress: &bp, Slot: func(ctx context.Context, n string, size int64, ct string) (upload.Slot, error) {
				asked++
				return a.UploadSlot(ctx, n, size, ct)
			}}).Run(ctx)
			var tl *upload.TooLargeError
			if !errors.As(err, &tl) || tl.Max != limit || bp.Done() != 0 {
				t.Fatalf("over the limit: %v, %d bytes sent", err, bp.Done())
			}
			if !strings.Contains(err.Error(), "4.2 MB") {
				t.Fatalf("the refusal does not say the limit: %v", err)
			}
			if strings.Contains(s.Log(), "big.bin") {
				t.Fatal("the server heard of the file over the limit")
			}
		})
	}
}

// TestIntegrationUploadInterrupted: a connection cut in the middle of the
// PUT, and a cancelled context, end the upload with an error.
func TestIntegrationUploadInterrupted(t *testing.T) {
	servertest.Each(t, testIntegrationUploadInterrupted)
}

func testIntegrationUploadInterrupted(t *testing.T, kind servertest.Kind) {
	s := servertest.Start(t, kind, servertest.WithFileShare(limit, "http"))
	s.Require(t, servertest.FileShare)
	a := online(t, s, s.AddUser(t, "alice", "pw"))
	proxy := servertest.NewProxy(t, net.JoinHostPort(s.Host, itoa(s.HTTPPort)))
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "tcp", proxy.Addr())
	}}}
	path, _ := writeRandom(t, t.TempDir(), "f.bin", limit-1)

	for _, how := range []string{"cut", "cancel"} {
		ctx, cancel := context.WithCancel(context.Background())
		var p upload.Progress
		proxy.Pause()
		errc := make(chan error, 1)
		go func() {
			_, err := (&upload.Job{Path: path, Client: client, Slot: a.UploadSlot, Progress: &p}).Run(ctx)
			errc <- err
		}()
		// Well into the body: the request is on the connection, so the
		// transport cannot retry it on a new one after the cut (it does
		// when nothing of it was written yet).
		// And the proxy holds the connection: the kernel takes the first
		// bytes before the proxy's Accept returns, and a Cut before that
		// cuts nothing (seen on a loaded machine).
		for p.Done() < 256<<10 || proxy.Conns() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		if how == "cut" {
			proxy.Cut()
		} else {
			cancel()
		}
		proxy.Resume()
		select {
		case err := <-errc:
			if err == nil {
				t.Fatalf("%s: the upload reported success", how)
			}
			if how == "cancel" && !errors.Is(err, context.Canceled) {
				t.Fatalf("cancel: %v", err)
			}
			t.Logf("%s: %v", how, err)
		case <-time.After(60 * time.Second):
			t.Fatalf("%s: the upload did not end", how)
		}
		cancel()
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
