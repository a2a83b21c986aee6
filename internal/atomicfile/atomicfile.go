// Package atomicfile replaces a file whole, the way parley's small stores
// (window state, /notify modes, certificate pins, OMEMO keys, the config
// rewritten by /passwd) keep their files: a reader sees the old file or the
// new one, never a part, and a crash loses at most the change being made.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces the file at path with data, mode 0600: written to a
// temporary file in the same directory (created 0700 when missing), synced,
// renamed over path, then the directory synced so that the rename survives
// a crash. On an error the old file is as it was and no temporary file is
// left behind.
func Write(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil // renamed; only the directory's sync is not possible
	}
	defer d.Close()
	return d.Sync()
}
