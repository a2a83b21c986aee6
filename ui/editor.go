package ui

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"

	"parley/sanitize"
)

// maxEdited is how many bytes of the edited file come back into the input
// line.
const maxEdited = 64 << 10

// editInput opens the input line in $VISUAL (else $EDITOR, else vi) with
// the terminal UI suspended, and puts the text saved there back into the
// input line, not sent. An editor that fails leaves the input line as it
// was and says why.
func (u *UI) editInput() {
	if u.screen == nil {
		return
	}
	text, err := u.runEditor(u.input.text)
	if err != nil {
		u.info(u.curWin(), true, "editor: "+err.Error())
		return
	}
	u.comp.reset()
	u.input.set(text)
}

// runEditor writes text to a private temporary file, runs the editor on it
// through the shell (so that EDITOR="emacs -nw" works) with the terminal
// handed over, and returns what the file holds afterwards (cleanEdited).
func (u *UI) runEditor(text string) (string, error) {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	f, err := os.CreateTemp("", "parley-*.txt") // mode 0600
	if err != nil {
		return "", err
	}
	path := f.Name()
	defer os.Remove(path)
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	var runErr error
	ran := u.app.Suspend(func() {
		cmd := exec.Command("/bin/sh", "-c", editor+` "$1"`, "sh", path)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		runErr = cmd.Run()
	})
	if !ran {
		return "", errors.New("could not suspend the terminal")
	}
	if runErr != nil {
		return "", errors.New(editor + ": " + runErr.Error())
	}
	f, err = os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEdited))
	if err != nil {
		return "", err
	}
	return cleanEdited(string(b)), nil
}

// cleanEdited makes edited text fit for the input line: sanitized line by
// line (control characters and escape sequences dropped, see package
// sanitize), line breaks kept, the final one cut.
func cleanEdited(s string) string {
	return strings.TrimSuffix(strings.Join(sanitize.Lines(s), "\n"), "\n")
}
