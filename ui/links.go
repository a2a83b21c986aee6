package ui

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"

	"parley/links"
	"parley/msg"
)

// Links in messages: found once when a message's entry is built, drawn
// whole (no hanging indent inside a URL, an OSC 8 hyperlink where the
// terminal has it), listed by /url, opened and saved (files.go). The
// selection mode opens and saves a message's links with openURL and
// saveURL given entryLinks.

// linkSpan is a URL in an entry's text: bytes [start, end); id groups its
// cells into one OSC 8 link across rows.
type linkSpan struct {
	start, end int
	id         string
}

// maxURLList bounds the links /url lists.
const maxURLList = 50

// findLinks returns the links in text after byte from (the body of a
// composed entry, already sanitized). seq numbers them for OSC 8 ids.
func findLinks(text string, from int, seq *uint64) []linkSpan {
	if !strings.Contains(text[from:], ":") {
		return nil // the common case: no scheme, nothing to scan
	}
	var out []linkSpan
	for _, sp := range links.Find(text[from:]) {
		*seq++
		out = append(out, linkSpan{start: from + sp.Start, end: from + sp.End, id: "parley" + strconv.FormatUint(*seq, 36)})
	}
	return out
}

// inLink reports whether byte pos of the text is inside a link, after its
// first byte: a row starting there continues a URL.
func inLink(ls []linkSpan, pos int) bool {
	for _, l := range ls {
		if pos > l.start && pos < l.end {
			return true
		}
	}
	return false
}

// linkStyle is st for a cell of link l: underlined, and a hyperlink to its
// URL for terminals that know OSC 8 (tcell writes it only to those).
func linkStyle(st tcell.Style, text string, l linkSpan) tcell.Style {
	return st.Underline(true).Url(text[l.start:l.end]).UrlId(l.id)
}

// entryLinks are the URLs of an entry, in order.
func entryLinks(e *entry) []string {
	out := make([]string, len(e.links))
	for i, l := range e.links {
		out[i] = e.text[l.start:l.end]
	}
	return out
}

// oobLines are the out-of-band URLs (XEP-0066) of a message that its body
// does not already show, as lines to draw below it; an OOB URL that is not
// a plain link (a space, a control character, an unknown scheme) is not
// shown.
func oobLines(body string, urls []string) []string {
	var out []string
	for _, u := range urls {
		if links.Valid(u) && !strings.Contains(body, u) {
			out = append(out, u)
		}
	}
	return out
}

// oobURLs are the URLs of XEP-0066 elements.
func oobURLs(o []msg.OOB) []string {
	if len(o) == 0 {
		return nil
	}
	out := make([]string, len(o))
	for i, x := range o {
		out[i] = x.URL
	}
	return out
}

// urlItem is one link of a window, for /url.
type urlItem struct {
	url  string
	e    *entry
	from string // the sender as drawn
}

// windowURLs are the links of w, newest first, at most max.
func windowURLs(w *window, max int) []urlItem {
	var out []urlItem
	for i := w.buf.len() - 1; i >= 0 && len(out) < max; i-- {
		e := w.buf.at(i)
		for j := len(e.links) - 1; j >= 0 && len(out) < max; j-- {
			l := e.links[j]
			out = append(out, urlItem{url: e.text[l.start:l.end], e: e, from: e.text[e.nickStart:e.nickEnd]})
		}
	}
	return out
}

// pickURL returns link n (1: the newest) of w.
func pickURL(w *window, n int) (string, error) {
	items := windowURLs(w, max(n, 1))
	if len(items) == 0 {
		return "", errors.New("no links in this window")
	}
	if n < 1 || n > len(items) {
		return "", fmt.Errorf("no link %d here: /url lists them (1 is the newest)", n)
	}
	return items[n-1].url, nil
}

// selLink is o (open) and s (save) of the selection mode on message e:
// its one link at once, through the paths of /url open and /url save;
// with several, an action that waits for a digit (select.go).
func (u *UI) selLink(w *window, e *entry, kind actKind) error {
	urls := entryLinks(e)
	switch {
	case len(urls) == 0:
		return errors.New("no link in this message")
	case len(urls) > 1:
		u.act = &pendingAct{kind: kind, w: w, e: e}
		return nil
	}
	return u.linkAct(w, kind, urls[0])
}

// useLink does action a (actOpen, actSave) on link n (1: the first) of
// its message.
func (u *UI) useLink(a *pendingAct, n int) error {
	urls := entryLinks(a.e)
	if n < 1 || n > len(urls) {
		return fmt.Errorf("no link %d in this message: 1 to %d", n, len(urls))
	}
	return u.linkAct(a.w, a.kind, urls[n-1])
}

// linkAct opens or saves url as /url open and /url save do.
func (u *UI) linkAct(w *window, kind actKind, url string) error {
	if kind == actSave {
		return u.saveURL(w, url, "")
	}
	return u.openURL(w, url)
}

// cmdURL is /url [open [N] | save [N] [PATH]]: without arguments it lists
// the links of this window.
func cmdURL(u *UI, c *call) error {
	if len(c.args) == 0 {
		items := windowURLs(c.win, maxURLList)
		if len(items) == 0 {
			return errors.New("no links in this window")
		}
		var b strings.Builder
		b.WriteString("links here, newest first (/url open N, /url save N):")
		for i, it := range items {
			from := it.from
			if from == "" {
				from = "-"
			}
			fmt.Fprintf(&b, "\n%2d. %s %s: %s", i+1, it.e.t.Format(u.timeLayout(it.e.t)), from, it.url)
		}
		u.info(c.win, false, b.String())
		return nil
	}
	rest := c.args[1:]
	n := 1
	if len(rest) > 0 {
		if v, err := strconv.Atoi(rest[0]); err == nil {
			n, rest = v, rest[1:]
		}
	}
	switch c.args[0] {
	case "open":
		if len(rest) > 0 {
			return errUsage
		}
		url, err := pickURL(c.win, n)
		if err != nil {
			return err
		}
		return u.openURL(c.win, url)
	case "save":
		if len(rest) > 1 {
			return errUsage
		}
		url, err := pickURL(c.win, n)
		if err != nil {
			return err
		}
		dest := ""
		if len(rest) == 1 {
			dest = expandHome(rest[0])
		}
		return u.saveURL(c.win, url, dest)
	}
	return errUsage
}

// completeURL completes /url's first word.
func completeURL(u *UI, n int, _ []string) []string {
	if n == 0 {
		return []string{"open", "save"}
	}
	return nil
}

// openCommand is the program and arguments that open url: url_open_cmd,
// else $BROWSER (its first entry; words split on spaces, never a shell),
// else xdg-open.
func openCommand(cfg []string, browser, url string) []string {
	argv := append([]string{}, cfg...)
	if len(argv) == 0 {
		if first, _, _ := strings.Cut(browser, ":"); strings.TrimSpace(first) != "" {
			argv = strings.Fields(first)
		} else {
			argv = []string{"xdg-open"}
		}
	}
	for i, a := range argv {
		if a == "%s" || a == "{url}" {
			argv[i] = url
			return argv
		}
	}
	return append(argv, url)
}

// openURL opens url with the configured program, detached from the
// terminal (its output would draw over ours). The URL is one argument of
// its own: never a shell's text.
func (u *UI) openURL(w *window, url string) error {
	if strings.HasPrefix(strings.ToLower(url), "aesgcm://") {
		return errors.New("an aesgcm:// link is an encrypted file: /url save downloads and decrypts it")
	}
	if !links.Valid(url) {
		return errors.New("not a link parley opens")
	}
	argv := openCommand(u.opts.URLOpenCmd, os.Getenv("BROWSER"), url)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("opening the link: %v", err)
	}
	go func() {
		if err := cmd.Wait(); err != nil {
			u.Post(uiNote{win: w, text: fmt.Sprintf("%s: %v", argv[0], err), err: true})
		}
	}()
	u.info(w, false, "opening "+url+" with "+argv[0])
	return nil
}
