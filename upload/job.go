package upload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Progress counts the bytes of one transfer. Its methods are safe from any
// goroutine: the transfer adds, a UI reads at the rate it draws.
type Progress struct {
	done  atomic.Int64
	total atomic.Int64 // -1 while unknown
	start atomic.Int64 // UnixNano of the first byte
}

func (p *Progress) add(n int) {
	if p == nil {
		return
	}
	if p.start.Load() == 0 {
		p.start.CompareAndSwap(0, time.Now().UnixNano())
	}
	p.done.Add(int64(n))
}

func (p *Progress) setTotal(n int64) {
	if p != nil {
		p.total.Store(n)
	}
}

// Done is the bytes transferred so far.
func (p *Progress) Done() int64 { return p.done.Load() }

// Total is the size of the transfer, -1 while it is not known.
func (p *Progress) Total() int64 { return p.total.Load() }

// Line is the progress in a few words: "42% 4.2 MB of 10.0 MB, 3.1 MB/s".
func (p *Progress) Line(now time.Time) string {
	done, total := p.Done(), p.Total()
	var b strings.Builder
	if total > 0 {
		fmt.Fprintf(&b, "%d%% %s of %s", done*100/total, Bytes(done), Bytes(total))
	} else {
		b.WriteString(Bytes(done))
	}
	if s := p.start.Load(); s != 0 {
		if el := now.Sub(time.Unix(0, s)); el > 200*time.Millisecond {
			fmt.Fprintf(&b, ", %s/s", Bytes(int64(float64(done)/el.Seconds())))
		}
	}
	return b.String()
}

// countingReader adds what it reads to a Progress.
type countingReader struct {
	r io.Reader
	p *Progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(n)
	return n, err
}

// Job is one file to upload.
type Job struct {
	// Path is the local file.
	Path string
	// Encrypt encrypts the file with a fresh key (XEP-0454) before it
	// leaves: the result's URL is then an aesgcm:// URL, which must only
	// be sent inside an end-to-end encrypted message.
	Encrypt bool
	// Client does the PUT (TLS verified as for the XMPP connection).
	Client *http.Client
	// Slot asks the upload service for a slot (see RequestSlot); it must
	// refuse a size over the service's limit without asking.
	Slot func(ctx context.Context, name string, size int64, ctype string) (Slot, error)
	// Progress, when set, counts the bytes sent.
	Progress *Progress
}

// Result is an uploaded file.
type Result struct {
	URL         string // what to send: the GET URL, or its aesgcm:// form
	Name        string // the name it was uploaded as
	Size        int64  // bytes of the file
	ContentType string
}

// Run uploads the file: it asks for a slot (nothing is sent when that
// fails), then streams the file to the slot's PUT URL. It returns when the
// server has taken the whole file, or with the first error; ctx cancels.
func (j *Job) Run(ctx context.Context) (Result, error) {
	f, err := os.Open(j.Path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Result{}, err
	}
	if !st.Mode().IsRegular() {
		return Result{}, fmt.Errorf("%s is not a regular file", j.Path)
	}
	res := Result{Name: uploadName(filepath.Base(j.Path)), Size: st.Size()}
	res.ContentType, err = ContentType(f, j.Path)
	if err != nil {
		return Result{}, err
	}
	var body io.Reader = f
	size := st.Size()
	var key, iv []byte
	ctype := res.ContentType
	if j.Encrypt {
		key, iv = make([]byte, KeySize), make([]byte, IVSize)
		_, _ = rand.Read(key)
		_, _ = rand.Read(iv)
		enc, err := NewEncrypter(f, key, iv)
		if err != nil {
			return Result{}, err
		}
		body, size, ctype = enc, EncryptedSize(size), "application/octet-stream"
	}
	slot, err := j.Slot(ctx, res.Name, size, ctype)
	if err != nil {
		return Result{}, err
	}
	if j.Encrypt && (!isHTTPS(slot.Get) || !isHTTPS(slot.Put)) {
		return Result{}, ErrNotHTTPS
	}
	j.Progress.setTotal(size)
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, slot.Put, &countingReader{r: body, p: j.Progress})
	if err != nil {
		return Result{}, err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", ctype)
	for k, v := range slot.Headers {
		req.Header.Set(k, v)
	}
	client := j.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, fmt.Errorf("upload: %w", oneLine(err))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return Result{}, fmt.Errorf("upload: the server answered %s", clipText(resp.Status, 100))
	}
	res.URL = slot.Get
	if j.Encrypt {
		res.URL = AESGCMURL(slot.Get, iv, key)
	}
	return res, nil
}

// ErrNotHTTPS is the refusal of an encrypted upload to a service whose
// slot is not https: XEP-0454 allows aesgcm:// links only for https URLs.
var ErrNotHTTPS = errors.New("the upload service's URLs are not https, and encrypted files (XEP-0454) go only over https: nothing was uploaded or sent")

func isHTTPS(u string) bool { return len(u) > 8 && strings.EqualFold(u[:8], "https://") }

// oneLine shortens a transport error to its cause, without Go's quoting of
// the whole URL (which holds the slot's secret path).
func oneLine(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op != "dial" && oe.Addr != nil {
		return fmt.Errorf("the connection to %s was lost", oe.Addr)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errors.New("the server closed the connection")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// uploadName is the name a file is uploaded as: its base name, never
// empty, without control characters (the service and the receivers see
// it).
func uploadName(base string) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, base)
	if name == "" || name == "." || name == ".." {
		return "file"
	}
	return name
}

// ContentType is the type of the file f at path: from its extension, else
// from its first bytes. f is read from its start and left there.
func ContentType(f io.ReadSeeker, path string) (string, error) {
	var head [512]byte
	n, err := io.ReadFull(f, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	sniffed := http.DetectContentType(head[:n])
	if t := mime.TypeByExtension(strings.ToLower(filepath.Ext(path))); t != "" {
		// A text type from the table without a charset gets the one the
		// contents show.
		if strings.HasPrefix(t, "text/") && !strings.Contains(t, "charset") && strings.Contains(sniffed, "charset=utf-8") {
			t += "; charset=utf-8"
		}
		return t, nil
	}
	return sniffed, nil
}

// AESGCMURL is the XEP-0454 form of an https URL: scheme aesgcm, and the
// IV and key in hex as the fragment.
func AESGCMURL(get string, iv, key []byte) string {
	rest := get
	if isHTTPS(get) {
		rest = get[len("https://"):]
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	return "aesgcm://" + rest + "#" + hex.EncodeToString(iv) + hex.EncodeToString(key)
}

// ParseAESGCM splits an aesgcm:// URL into the https URL to fetch and the
// IV (12 or 16 bytes) and key (32 bytes) of its fragment.
func ParseAESGCM(raw string) (get string, iv, key []byte, err error) {
	rest, ok := strings.CutPrefix(raw, "aesgcm://")
	if !ok {
		return "", nil, nil, errors.New("not an aesgcm:// URL")
	}
	loc, frag, ok := strings.Cut(rest, "#")
	if !ok {
		return "", nil, nil, errors.New("the aesgcm:// URL has no key")
	}
	b, err := hex.DecodeString(frag)
	if err != nil || (len(b) != 12+KeySize && len(b) != 16+KeySize) {
		return "", nil, nil, errors.New("the aesgcm:// URL's key is not 44 or 48 bytes of hex")
	}
	get = "https://" + loc
	if err := checkHTTP(get); err != nil {
		return "", nil, nil, err
	}
	n := len(b) - KeySize
	return get, b[:n], b[n:], nil
}
