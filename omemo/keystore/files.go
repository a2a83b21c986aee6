package keystore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"parley/internal/atomicfile"
	"path/filepath"
	"strings"
)

// maxFile bounds any store file read.
const maxFile = 4 << 20

// ErrCorrupt wraps errors about a store file that cannot be read.
var ErrCorrupt = errors.New("keystore: corrupt file")

func corrupt(file string, line int, format string, args ...any) error {
	return fmt.Errorf("%w %s:%d: %s", ErrCorrupt, file, line, fmt.Sprintf(format, args...))
}

// writeFile replaces dir/name with data atomically, mode 0600.
func writeFile(dir, name string, data []byte) error {
	return atomicfile.Write(filepath.Join(dir, name), data)
}

// readFile reads dir/name with a size bound; a missing file is (nil, nil).
func readFile(dir, name string, limit int64) ([]byte, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, corrupt(name, 0, "not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, corrupt(name, 0, "larger than %d bytes", limit)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// lines calls fn with the fields of every non-empty, non-comment line.
func lines(name string, b []byte, fn func(n int, f []string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxRemoteFile)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if err := fn(n, strings.Fields(line)); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return corrupt(name, n, "%v", err)
	}
	return nil
}
