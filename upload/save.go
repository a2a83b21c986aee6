package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxName bounds a saved file's name in bytes (most file systems take 255).
const maxName = 200

// SafeName turns a name from the network (the last part of a URL's path)
// into a file name that cannot leave the directory it is joined to: no
// separators, no "..", no leading dot (no hidden files such as .bashrc), no
// control or invisible characters, at most maxName bytes with the
// extension kept, never empty.
func SafeName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == utf8.RuneError, r < 0x20, r == 0x7f, !unicode.IsPrint(r) && r != ' ':
			continue
		case strings.ContainsRune(`:*?"<>|`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.TrimLeft(strings.TrimSpace(b.String()), ". ")
	name = strings.TrimRight(name, ". ")
	if len(name) > maxName {
		ext := path.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		cut := maxName - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + ext
	}
	if name == "" {
		return "download"
	}
	return name
}

// NameOf is the safe file name a URL's file is saved under.
func NameOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "download"
	}
	p := u.EscapedPath()
	p = strings.TrimRight(p, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if s, err := url.PathUnescape(p); err == nil {
		p = s
	}
	return SafeName(p)
}

// ErrExists is returned by Save when the file to write is already there:
// nothing is overwritten.
var ErrExists = errors.New("exists")

// Save downloads the file at raw (http, https, or aesgcm://, decrypted
// here) and returns the path it was saved as. The file goes to dest when
// dest names a file (a path the user chose), into dest under the URL's safe
// name when dest is a directory, or into dir under that name when dest is
// "" (dir is created when missing). It is written beside its final name
// and moved there only when complete (and, for aesgcm://, authenticated);
// an existing file is never overwritten (ErrExists).
func Save(ctx context.Context, client *http.Client, raw, dir, dest string, p *Progress) (string, error) {
	get := raw
	var iv, key []byte
	if strings.HasPrefix(raw, "aesgcm://") {
		var err error
		if get, iv, key, err = ParseAESGCM(raw); err != nil {
			return "", err
		}
	} else if err := checkHTTP(raw); err != nil {
		return "", err
	}
	target, err := target(raw, dir, dest)
	if err != nil {
		return "", err
	}
	if _, err := os.Lstat(target); err == nil {
		return "", fmt.Errorf("%s %w: not overwritten", target, ErrExists)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, get, nil)
	if err != nil {
		return "", err
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("download: %w", oneLine(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("download: the server answered %s", clipText(resp.Status, 100))
	}
	total := resp.ContentLength
	var body io.Reader = &countingReader{r: resp.Body, p: p}
	if key != nil {
		dec, err := NewDecrypter(body, key, iv)
		if err != nil {
			return "", err
		}
		body = dec
	}
	p.setTotal(total)
	tmp, err := os.CreateTemp(filepath.Dir(target), ".parley-download-*")
	if err != nil {
		return "", err
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	buf := make([]byte, 64<<10)
	if _, err := io.CopyBuffer(tmp, body, buf); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if errors.Is(err, ErrAuth) {
			return "", fmt.Errorf("download: %w: nothing saved", err)
		}
		return "", fmt.Errorf("download: %w", oneLine(err))
	}
	if err := tmp.Sync(); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	// A hard link fails when the name exists: no overwrite even if the
	// file appeared while downloading.
	if err := os.Link(tmp.Name(), target); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("%s %w: not overwritten", target, ErrExists)
		}
		return "", err
	}
	os.Remove(tmp.Name())
	keep = true
	return target, nil
}

// target is the path to save raw at (see Save).
func target(raw, dir, dest string) (string, error) {
	name := NameOf(raw)
	if dest != "" {
		if st, err := os.Stat(dest); err == nil && st.IsDir() {
			return filepath.Join(dest, name), nil
		}
		if st, err := os.Stat(filepath.Dir(dest)); err != nil || !st.IsDir() {
			return "", fmt.Errorf("%s: no such directory", filepath.Dir(dest))
		}
		return dest, nil
	}
	if dir == "" {
		return "", errors.New("no download directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}
