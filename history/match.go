package history

import (
	"fmt"
	"slices"
	"strings"
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
