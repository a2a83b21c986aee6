package config

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const examplePath = "../config.example.toml"

// TestExampleLoads loads config.example.toml (from a private copy, since it
// holds a password).
func TestExampleLoads(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, string(data), 0o600)
	c, err := Load(path)
	if err != nil {
		t.Fatalf("the example does not load:\n%v", err)
	}
	if len(c.Accounts) != 2 {
		t.Fatalf("%d accounts, want 2", len(c.Accounts))
	}
	if c.Accounts[0].Password == "" || c.Accounts[1].PasswordEval == "" {
		t.Errorf("the example should show password and password_eval: %+v", c.Accounts)
	}
	if !reflect.DeepEqual(c.UI, defaultUI()) {
		t.Errorf("the example's [ui] differs from the defaults it documents:\n%+v\n%+v", c.UI, defaultUI())
	}
}

// TestExampleDocumentsEveryKey checks that every key the loader knows is in
// the example, set or commented out ("# key = value"), in its table, with a
// comment above it.
func TestExampleDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	if err != nil {
		t.Fatal(err)
	}
	commented := regexp.MustCompile(`(?m)^#\s*([a-z_]+\s*=.*)$`)
	text := commented.ReplaceAllString(string(data), "$1")
	present := map[string]bool{}
	for k := range indexLines(text) {
		present[stripIndexes(k)] = true
	}
	keys := knownKeys()
	if len(keys) < 30 {
		t.Fatalf("knownKeys found only %d keys: %v", len(keys), keys)
	}
	for _, k := range keys {
		if !present[k] {
			t.Errorf("config.example.toml does not document %s", k)
		}
	}
	// Each documented key has a comment line just above it (or shares the
	// comment block of its group of settings).
	lines := strings.Split(text, "\n")
	orig := strings.Split(string(data), "\n")
	for i, l := range lines {
		if i == 0 || !regexp.MustCompile(`^[a-z_]+\s*=`).MatchString(l) {
			continue
		}
		prev := strings.TrimSpace(orig[i-1])
		if !strings.HasPrefix(prev, "#") {
			key, _, _ := strings.Cut(l, "=")
			if !strings.Contains(orig[i], "#") && !inSecondAccount(orig, i) {
				t.Errorf("line %d: %s has no comment", i+1, strings.TrimSpace(key))
			}
		}
	}
}

// inSecondAccount reports whether line i lies in the example's second
// [[account]], whose keys the first account already documents.
func inSecondAccount(lines []string, i int) bool {
	n := 0
	for _, l := range lines[:i] {
		if strings.TrimSpace(l) == "[[account]]" {
			n++
		}
	}
	return n >= 2
}

func TestKnownKeys(t *testing.T) {
	keys := knownKeys()
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("duplicate key %s", k)
		}
		seen[k] = true
	}
	for _, k := range []string{"history_dir", "ui.theme.window_highlight", "account.keepalive", "account.ca_file"} {
		if !seen[k] {
			t.Errorf("knownKeys lacks %s", k)
		}
	}
}
