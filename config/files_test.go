package config

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileKeys(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_DOWNLOAD_DIR", "")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
	if d, err := DefaultDownloadDir(); err != nil || d != filepath.Join(home, "Downloads") {
		t.Fatalf("default download dir %q, %v", d, err)
	}
	if err := os.MkdirAll(filepath.Join(home, "cfg"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "cfg", "user-dirs.dirs"), []byte("# xdg-user-dirs\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d, _ := DefaultDownloadDir(); d != filepath.Join(home, "Téléchargements") {
		t.Fatalf("user-dirs download dir %q", d)
	}
	t.Setenv("XDG_DOWNLOAD_DIR", "/srv/dl")
	if d, _ := DefaultDownloadDir(); d != "/srv/dl" {
		t.Fatalf("XDG_DOWNLOAD_DIR %q", d)
	}
}

func TestLoadFileKeys(t *testing.T) {
	path := writeConfig(t, "download_dir = \"dl\"\nurl_open_cmd = [\"firefox\", \"--new-tab\"]\n[[account]]\njid = \"a@example.org\"\npassword = \"x\"\n", 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.DownloadDir != filepath.Join(filepath.Dir(path), "dl") || len(c.URLOpenCmd) != 2 || c.URLOpenCmd[1] != "--new-tab" {
		t.Fatalf("download_dir %q, url_open_cmd %q", c.DownloadDir, c.URLOpenCmd)
	}
}
