package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"parley/sanitize"
)

// Usage lines of the commands.
const (
	SendUsage   = "usage: parley send [-a ACCOUNT] JID|name [TEXT...]   (no TEXT, or -: the text is read from stdin)"
	StatusUsage = "usage: parley status [-a ACCOUNT] [online|chat|away|xa|dnd [TEXT...]]"
)

// Exit statuses of RunSend and RunStatus.
const (
	ExitOK         = 0
	ExitFailed     = 1 // parley refused or failed the request
	ExitUsage      = 2
	ExitNotRunning = 3 // no parley listens on the socket
)

// cliTimeout bounds a command's whole exchange with parley.
const cliTimeout = time.Minute

// RunSend is `parley send [-a ACCOUNT] JID TEXT...`: the running parley at
// the socket path sends TEXT (the words joined by spaces; without words or
// with "-", stdin, its trailing newlines dropped) to JID as if it had been
// typed in its window. It prints nothing on success ("pending" when the
// account is offline and the message waits in the outbox).
func RunSend(path string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	acct, args, err := accountFlag(args)
	if err != nil || len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usage(stderr, "send", err, SendUsage)
	}
	to, words := args[0], args[1:]
	var text string
	if len(words) == 0 || len(words) == 1 && words[0] == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, MaxText+1))
		if err != nil {
			fmt.Fprintf(stderr, "parley send: reading stdin: %v\n", err)
			return ExitFailed
		}
		if len(b) > MaxText {
			fmt.Fprintf(stderr, "parley send: the text is longer than %d bytes\n", MaxText)
			return ExitUsage
		}
		text = strings.TrimRight(string(b), "\r\n")
	} else {
		text = strings.Join(words, " ")
	}
	if strings.TrimSpace(text) == "" {
		fmt.Fprintln(stderr, "parley send: nothing to send")
		return ExitUsage
	}
	if len(text) > MaxText {
		fmt.Fprintf(stderr, "parley send: the text is longer than %d bytes\n", MaxText)
		return ExitUsage
	}
	rep, code := call(path, "send", Request{Op: OpSend, Account: acct, To: to, Text: text}, stderr)
	if code == ExitOK && rep.Pending {
		fmt.Fprintln(stdout, "pending: "+sanitize.Text(rep.Note))
	}
	return code
}

// RunStatus is `parley status [-a ACCOUNT] [SHOW [TEXT...]]`: without SHOW
// it prints each account of the running parley ("me@example.org online
// away: at lunch"), with SHOW it sets the presence of every account (of
// ACCOUNT with -a) as /status does.
func RunStatus(path string, args []string, stdout, stderr io.Writer) int {
	acct, args, err := accountFlag(args)
	if err != nil || len(args) > 0 && strings.HasPrefix(args[0], "-") {
		return usage(stderr, "status", err, StatusUsage)
	}
	if len(args) == 0 {
		rep, code := call(path, "status", Request{Op: OpAccounts, Account: acct}, stderr)
		if code != ExitOK {
			return code
		}
		for _, a := range rep.Accounts {
			line := sanitize.Text(a.JID) + " " + sanitize.Text(a.State)
			if a.Show != "" {
				line += " " + sanitize.Text(a.Show)
			}
			if a.Status != "" {
				line += ": " + sanitize.Text(a.Status)
			}
			fmt.Fprintln(stdout, line)
		}
		return ExitOK
	}
	switch args[0] {
	case "online", "chat", "away", "xa", "dnd":
	default:
		return usage(stderr, "status", fmt.Errorf("unknown presence %q", args[0]), StatusUsage)
	}
	_, code := call(path, "status", Request{Op: OpStatus, Account: acct, Show: args[0], Text: strings.Join(args[1:], " ")}, stderr)
	return code
}

// accountFlag takes a leading "-a ACCOUNT" (or --account, -a=ACCOUNT).
func accountFlag(args []string) (string, []string, error) {
	if len(args) == 0 {
		return "", args, nil
	}
	name, val, hasVal := strings.Cut(args[0], "=")
	switch name {
	case "-a", "--account", "-account":
	case "--":
		return "", args[1:], nil
	default:
		return "", args, nil
	}
	if hasVal {
		return val, args[1:], nil
	}
	if len(args) < 2 {
		return "", nil, errors.New(name + " needs an account")
	}
	return args[1], args[2:], nil
}

func usage(stderr io.Writer, cmd string, err error, line string) int {
	if err != nil {
		fmt.Fprintf(stderr, "parley %s: %s\n", cmd, sanitize.Text(err.Error()))
	}
	fmt.Fprintln(stderr, line)
	return ExitUsage
}

// call does req and reports a failure on stderr, sanitized (the answer may
// quote what came from the network).
func call(path, cmd string, req Request, stderr io.Writer) (Reply, int) {
	ctx, cancel := context.WithTimeout(context.Background(), cliTimeout)
	defer cancel()
	rep, err := Do(ctx, path, req)
	switch {
	case errors.Is(err, ErrNotRunning):
		fmt.Fprintf(stderr, "parley %s: %s\n", cmd, sanitize.Text(err.Error()))
		return rep, ExitNotRunning
	case err != nil:
		fmt.Fprintf(stderr, "parley %s: %s\n", cmd, sanitize.Text(err.Error()))
		return rep, ExitFailed
	}
	return rep, ExitOK
}
