package caps

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Bounds of the cache.
const (
	// MaxEntries is how many verification strings the cache keeps; the
	// oldest goes when a new one comes.
	MaxEntries = 512
	// maxCacheFile bounds the file read: MaxEntries lines of MaxFeatures
	// features fit, with room to spare.
	maxCacheFile = 8 << 20
	cacheHeader  = "parley-caps 1"
)

// Cache maps verification strings to the features they stand for. Only
// answers whose hash matches are put in it, so an entry can be shared by
// every entity that announces the same string. It is safe for concurrent
// use. With a path it is kept in a flat file: a header line, then one line
// per entry, "<ver> <feature> <feature>...", oldest first, rewritten
// atomically (temporary file, sync, rename) at each Put; mode 0600.
type Cache struct {
	path string

	mu    sync.Mutex
	order []string // oldest first
	m     map[string][]string
}

// Open reads the cache at path (empty: a cache in memory only). A missing
// file is an empty cache. Lines that cannot be read (a crafted or damaged
// file) are skipped and named in the warnings, by file and line; a file
// too large or unreadable is an error, and the cache is then empty but
// usable.
func Open(path string) (*Cache, []string, error) {
	c := &Cache{path: path, m: map[string][]string{}}
	if path == "" {
		return c, nil, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil, nil
	}
	if err != nil {
		return c, nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCacheFile+1))
	if err != nil {
		return c, nil, err
	}
	if len(data) > maxCacheFile {
		return c, nil, fmt.Errorf("%s: over %d bytes, not read", path, maxCacheFile)
	}
	var warn []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxCacheFile)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			if line != cacheHeader {
				return c, nil, fmt.Errorf("%s:1: not a parley caps cache (header %q)", path, clipWarn(line))
			}
			continue
		}
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, " ")
		if !validVer(f[0]) {
			warn = append(warn, fmt.Sprintf("%s:%d: bad verification string, line skipped", path, n))
			continue
		}
		feats := f[1:]
		if err := checkFeatures(feats); err != nil {
			warn = append(warn, fmt.Sprintf("%s:%d: %v, line skipped", path, n, err))
			continue
		}
		c.putLocked(f[0], slices.Clone(feats))
	}
	if err := sc.Err(); err != nil {
		return c, warn, fmt.Errorf("%s: %w", path, err)
	}
	return c, warn, nil
}

func clipWarn(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}

// checkFeatures refuses what the file format cannot hold and what the
// bounds refuse.
func checkFeatures(fs []string) error {
	if len(fs) > MaxFeatures {
		return fmt.Errorf("over %d features", MaxFeatures)
	}
	for _, f := range fs {
		if f == "" || len(f) > MaxString {
			return errors.New("empty or over-long feature")
		}
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return errors.New("a feature with spaces or control characters")
		}
	}
	return nil
}

// Get returns the features of ver.
func (c *Cache) Get(ver string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fs, ok := c.m[ver]
	return fs, ok
}

// Len is the number of entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// Put records info under ver if info's verification string is ver (an
// answer that does not match is refused: it could be forged or stale) and
// saves the file. It does disk I/O: never call it in a stanza handler.
func (c *Cache) Put(ver string, info Info) error {
	if got := Ver(info); got != ver {
		return fmt.Errorf("caps: the answer hashes to %s, not the announced %s", got, ver)
	}
	if err := checkFeatures(info.Features); err != nil {
		return fmt.Errorf("caps: %v", err)
	}
	c.mu.Lock()
	if _, ok := c.m[ver]; ok {
		c.mu.Unlock()
		return nil
	}
	fs := slices.Clone(info.Features)
	slices.Sort(fs)
	c.putLocked(ver, slices.Compact(fs))
	data := c.encodeLocked()
	c.mu.Unlock()
	return c.save(data)
}

func (c *Cache) putLocked(ver string, fs []string) {
	if _, ok := c.m[ver]; !ok {
		c.order = append(c.order, ver)
	}
	c.m[ver] = fs
	for len(c.order) > MaxEntries {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
}

func (c *Cache) encodeLocked() []byte {
	var b bytes.Buffer
	b.WriteString(cacheHeader + "\n")
	for _, v := range c.order {
		b.WriteString(v)
		for _, f := range c.m[v] {
			b.WriteString(" " + f)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// save writes data to the cache file atomically.
func (c *Cache) save(data []byte) error {
	if c.path == "" {
		return nil
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(c.path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, c.path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
