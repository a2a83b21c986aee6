package ui

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"mellium.im/xmpp/jid"

	"parley/account"
	"parley/sanitize"
	"parley/upload"
)

// FileAccount is an account that shares files (account.Account): slots of
// the server's XEP-0363 upload service (a file over its limit refused
// before anything is sent), an HTTP client that trusts what the XMPP
// connection trusts, and the message that carries a file's URL (body and
// XEP-0066 OOB, through the ordered send path).
type FileAccount interface {
	UploadSlot(ctx context.Context, name string, size int64, ctype string) (upload.Slot, error)
	HTTPClient() (*http.Client, error)
	SendFile(ctx context.Context, to jid.JID, typ, url, desc string) (account.Message, error)
	// EncryptFiles reports whether a file to `to` is encrypted (XEP-0454:
	// an OMEMO conversation); it may wait for the contact's device list.
	EncryptFiles(ctx context.Context, to jid.JID, typ string) bool
}

// progressEvery is how often a running transfer's line and the status bar
// are redrawn: a few times a second, never per byte.
const progressEvery = 250 * time.Millisecond

// transfer is an upload or a download running off the tview goroutine. Its
// fields other than prog are the tview goroutine's.
type transfer struct {
	up     bool   // an upload (else a /url save)
	name   string // sanitized, for lines and the status bar
	win    *window
	line   *entry // the progress line, rewritten in place
	prog   upload.Progress
	cancel context.CancelFunc
}

// fileState holds the running transfers, oldest first.
type fileState struct {
	xfers []*transfer
}

// verb is how a transfer is named in its lines.
func (t *transfer) verb() string {
	if t.up {
		return "upload of "
	}
	return "download of "
}

// startTransfer registers t, draws its line and starts run and the
// progress ticker. run's error ends the transfer with one line; nil lets
// run's own result line stand (done says it).
func (u *UI) startTransfer(t *transfer, run func(ctx context.Context) (string, error)) {
	ctx, cancel := context.WithCancel(u.ctx)
	t.cancel = cancel
	u.files.xfers = append(u.files.xfers, t)
	hint := " (Esc stops it)"
	if t.up {
		hint = " (Esc or /upload cancel stops it)"
	}
	t.line = composeEntry(u.now().In(u.loc), u.opts.TimeFormat, lineInfo, "", sanitize.Lines(t.verb()+t.name+": starting"+hint))
	u.add(t.win, t.line, false)
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				u.Post(histFunc{f: func(u *UI) { u.showProgress(t, hint) }})
			case <-stop:
				return
			}
		}
	}()
	go func() {
		msg, err := run(ctx)
		close(stop)
		cancelled := ctx.Err() != nil
		cancel()
		u.Post(histFunc{f: func(u *UI) { u.endTransfer(t, msg, err, cancelled) }})
	}()
}

// showProgress rewrites t's line with its progress.
func (u *UI) showProgress(t *transfer, hint string) {
	if u.running(t) {
		setLine(t.line, t.verb()+t.name+": "+t.prog.Line(u.now())+hint)
	}
}

// setLine replaces the text of info line e in place (its time and place
// stay).
func setLine(e *entry, text string) {
	ne := composeEntry(e.t, "15:04", e.kind, "", sanitize.Lines(text))
	head := e.text[:e.bodyStart]
	e.text = head + ne.text[ne.bodyStart:]
	e.rows, e.wrapW = nil, 0
}

// endTransfer ends t: its line says how it went.
func (u *UI) endTransfer(t *transfer, msg string, err error, cancelled bool) {
	for i, x := range u.files.xfers {
		if x == t {
			u.files.xfers = append(u.files.xfers[:i], u.files.xfers[i+1:]...)
			break
		}
	}
	switch {
	case cancelled:
		what := "cancelled"
		if t.up {
			what += ": nothing was sent"
		}
		setLine(t.line, t.verb()+t.name+": "+what)
		t.line.kind = lineError
	case err != nil:
		setLine(t.line, t.verb()+t.name+" failed: "+oneLine(err.Error()))
		t.line.kind = lineError
	default:
		setLine(t.line, msg)
	}
}

// oneLine keeps the first line of an error text.
func oneLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// running reports whether t has not ended.
func (u *UI) running(t *transfer) bool {
	for _, x := range u.files.xfers {
		if x == t {
			return true
		}
	}
	return false
}

// cancelTransfer stops the newest transfer (of uploads only with up),
// reporting whether there was one.
func (u *UI) cancelTransfer(up bool) bool {
	for i := len(u.files.xfers) - 1; i >= 0; i-- {
		if t := u.files.xfers[i]; !up || t.up {
			t.cancel()
			return true
		}
	}
	return false
}

// transferLabel is the status bar's word on the newest transfer, "" when
// none runs.
func (u *UI) transferLabel() string {
	n := len(u.files.xfers)
	if n == 0 {
		return ""
	}
	t := u.files.xfers[n-1]
	dir := "↑"
	if !t.up {
		dir = "↓"
	}
	label := "[" + dir + sanitize.Truncate(t.name, 16)
	if total := t.prog.Total(); total > 0 {
		label += " " + percent(t.prog.Done(), total)
	}
	if n > 1 {
		label += " +" + strconv.Itoa(n-1)
	}
	return label + "] "
}

func percent(done, total int64) string { return strconv.FormatInt(done*100/total, 10) + "%" }

// fileAcct returns the file side of account a.
func fileAcct(a *acctState) (FileAccount, error) {
	if a == nil {
		return nil, errors.New("no account here")
	}
	fa, ok := a.a.(FileAccount)
	if !ok {
		return nil, errors.New("account " + a.jid.String() + " cannot share files")
	}
	return fa, nil
}

// cmdUpload is /upload FILE (also /sendfile) and /upload cancel.
func cmdUpload(u *UI, c *call) error {
	arg := strings.TrimSpace(c.args[0])
	if arg == "cancel" {
		if !u.cancelTransfer(true) {
			return errors.New("no upload is running")
		}
		return nil
	}
	w := c.win
	if w.kind != winChat && w.kind != winRoom {
		return errors.New("this is not a conversation: /upload sends the file to the conversation of this window")
	}
	typ, err := msgType(w)
	if err != nil {
		return err
	}
	fa, err := fileAcct(w.acct)
	if err != nil {
		return err
	}
	path := expandHome(arg)
	as, peer := w.acct, w.peer
	t := &transfer{up: true, name: sanitize.Text(filepath.Base(path)), win: w}
	u.startTransfer(t, func(ctx context.Context) (string, error) {
		client, err := fa.HTTPClient()
		if err != nil {
			return "", err
		}
		// In an OMEMO conversation the file is encrypted (XEP-0454) and its
		// aesgcm:// link goes only inside the OMEMO message.
		enc := fa.EncryptFiles(ctx, peer, typ)
		job := &upload.Job{Path: path, Client: client, Slot: fa.UploadSlot, Progress: &t.prog, Encrypt: enc}
		res, err := job.Run(ctx)
		if err != nil {
			return "", err
		}
		// The message goes behind what was typed before it finished.
		as.sends.push(func() {
			if _, err := fa.SendFile(u.ctx, peer, typ, res.URL, ""); err != nil {
				u.Post(uiNote{win: w, text: "the file is uploaded, but its message was not sent: " + err.Error(), err: true})
			}
		})
		how := ""
		if enc {
			how = ", encrypted"
		}
		return "uploaded " + t.name + " (" + upload.Bytes(res.Size) + ", " + res.ContentType + how + ")", nil
	})
	return nil
}

// saveURL downloads url (decrypting aesgcm://) into the download
// directory, or to dest, with progress; nothing is overwritten.
func (u *UI) saveURL(w *window, url, dest string) error {
	a := w.acct
	if a == nil && len(u.accts) > 0 {
		a = u.accts[0]
	}
	fa, err := fileAcct(a)
	if err != nil {
		return err
	}
	dir := u.opts.DownloadDir
	if dir == "" && dest == "" {
		return errors.New("no download directory: set download_dir in the config, or give a PATH")
	}
	t := &transfer{name: upload.NameOf(url), win: w}
	u.startTransfer(t, func(ctx context.Context) (string, error) {
		client, err := fa.HTTPClient()
		if err != nil {
			return "", err
		}
		path, err := upload.Save(ctx, client, url, dir, dest, &t.prog)
		if err != nil {
			return "", err
		}
		return "saved " + url + " as " + path, nil
	})
	return nil
}

// expandHome expands a leading ~ (the user's own path).
func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// maxPathCands bounds the file names Tab offers.
const maxPathCands = 200

// completePath completes a local file path (with ~): the entries of the
// typed directory whose names start with what was typed, directories
// ending in "/"; hidden ones only when a dot was typed.
func completePath(u *UI, _ int, _ []string) []string {
	_, word := argStart(u.input.text[:u.input.cur])
	dir, base := "", word
	if i := strings.LastIndexByte(word, '/'); i >= 0 {
		dir, base = word[:i+1], word[i+1:]
	}
	look := expandHome(dir)
	if dir == "~" {
		look = expandHome("~/")
	}
	if look == "" {
		look = "."
	}
	ents, err := os.ReadDir(look)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") || !strings.HasPrefix(name, base) {
			continue
		}
		if e.IsDir() {
			name += "/"
		}
		out = append(out, dir+name)
		if len(out) == maxPathCands {
			break
		}
	}
	sort.Strings(out)
	return out
}
