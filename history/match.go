package history

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// MatchAccount finds the account a user means by name among accounts (bare
// JIDs): the one equal to name ignoring case, else the only one that starts
// with it ignoring case. parley's -a ACCOUNT and `parley history --account`
// both follow this rule. The error names the candidates when name fits
// several, and says so when it fits none.
func MatchAccount(accounts []string, name string) (string, error) {
	var found []string
	for _, a := range accounts {
		if strings.EqualFold(a, name) {
			return a, nil
		}
		if len(a) >= len(name) && strings.EqualFold(a[:len(name)], name) && !slices.Contains(found, a) {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return "", fmt.Errorf("no account %q", sanitize(name))
	case 1:
		return found[0], nil
	}
	slices.Sort(found)
	for i := range found {
		found[i] = sanitize(found[i])
	}
	return "", fmt.Errorf("account %q is ambiguous: %s", sanitize(name), strings.Join(found, ", "))
}

// sanitize makes untrusted text safe to print on a terminal in an error
// message (history imports nothing of parley's: not package sanitize): newlines become
// a newline plus two spaces of indent; other C0 controls but tab, DEL, C1
// controls and bidi embedding/override/isolate characters are removed;
// invalid UTF-8 becomes U+FFFD.
func sanitize(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) || r == '\n' || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("\n  ")
		case unsafeRune(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\t' && r != '\n'
	case r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
