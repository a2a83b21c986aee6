package config

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// Keys for files and links: download_dir and url_open_cmd (top level).

// DefaultDownloadDir is the XDG download directory: XDG_DOWNLOAD_DIR from
// the environment or from $XDG_CONFIG_HOME/user-dirs.dirs (as
// xdg-user-dirs writes it), else ~/Downloads.
func DefaultDownloadDir() (string, error) {
	if d := os.Getenv("XDG_DOWNLOAD_DIR"); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	cfg, err := xdgDir("XDG_CONFIG_HOME", ".config")
	if err == nil {
		if d := userDirsDownload(filepath.Join(cfg, "user-dirs.dirs"), home); d != "" {
			return d, nil
		}
	}
	return filepath.Join(home, "Downloads"), nil
}

// userDirsDownload reads XDG_DOWNLOAD_DIR="$HOME/..." from a user-dirs.dirs
// file; "" when it has none usable.
func userDirsDownload(path, home string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "XDG_DOWNLOAD_DIR=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		if rest, ok := strings.CutPrefix(v, "$HOME"); ok {
			v = home + rest
		}
		if filepath.IsAbs(v) && filepath.Clean(v) != filepath.Clean(home) {
			return filepath.Clean(v)
		}
	}
	return ""
}

// fileFields are the top-level keys of files and links.
func fileFields() []field[Config] {
	return []field[Config]{
		{name: "download_dir", kind: kString, set: func(l *loader, key string, c *Config, v any) {
			s := v.(string)
			if strings.TrimSpace(s) == "" {
				l.ps.add(key, "is empty (leave the key out for the default)")
				return
			}
			c.DownloadDir = l.expandPath(s)
		}},
		{name: "url_open_cmd", kind: kStrings, set: func(l *loader, key string, c *Config, v any) {
			var argv []string
			for _, e := range v.([]any) {
				argv = append(argv, e.(string))
			}
			if len(argv) == 0 || strings.TrimSpace(argv[0]) == "" {
				l.ps.add(key, "names no program: write the command and its arguments, e.g. [\"firefox\", \"--new-tab\"]")
				return
			}
			c.URLOpenCmd = argv
		}},
	}
}
