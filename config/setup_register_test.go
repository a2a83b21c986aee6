package config

import (
	"context"
	"errors"
	"strings"
	"testing"

	"parley/forms"
)

// testForm is a registration form with every kind of field.
func testForm() *forms.Form {
	return &forms.Form{Type: forms.TypeForm, Title: "Join \x1b[2J us", Instructions: []string{"Pick a name.\nThen a password."}, Fields: []forms.Field{
		{Var: "FORM_TYPE", Type: forms.Hidden, Values: []string{"jabber:iq:register"}},
		{Type: forms.Fixed, Values: []string{"Be nice \x07"}},
		{Var: "username", Type: forms.TextSingle, Label: "Username", Required: true},
		{Var: "password", Type: forms.TextPrivate, Label: "Password", Required: true},
		{Var: "email", Type: forms.TextSingle, Label: "Email \u202e", Desc: "for resets"},
		{Var: "lang", Type: forms.ListSingle, Label: "Language", Options: []forms.Option{{Label: "English", Value: "en"}, {Value: "fr"}}},
		{Var: "tos", Type: forms.Boolean, Label: "Accept the terms", Required: true},
	}}
}

func TestSetupCreateAccount(t *testing.T) {
	var filled *forms.Form
	fails := 0
	reg := func(failFirst error) Registrar {
		return func(ctx context.Context, a Account, fill func(*forms.Form) error) error {
			if a.JID.String() != "example.org" || a.JID.Localpart() != "" {
				t.Errorf("registrar got %q", a.JID)
			}
			f := testForm()
			if err := fill(f); err != nil {
				return err
			}
			filled = f
			if failFirst != nil && fails == 0 {
				fails++
				return failFirst
			}
			return nil
		}
	}
	tests := []struct {
		name   string
		input  string
		reg    Registrar
		jid    string
		pw     string
		output []string
	}{
		{
			name: "created",
			// c; server; host (none); then the form: username empty
			// (asked again), password twice (a slip first), email,
			// language 2, terms yes.
			input:  "c\nexample.org\n\n\npw1\npw2\npw1\npw1\n\n2\nyes\nalice\n",
			reg:    reg(nil),
			jid:    "alice@example.org",
			pw:     "pw1",
			output: []string{"Join  us", "  Pick a name.", "  Then a password.", "  Be nice", "  for resets", "  2. fr", "the two differ", "Username: required", "Created alice@example.org."},
		},
		{
			name:   "taken, then another name",
			input:  "c\nexample.org\n\nbob\npw\npw\n\n\ny\nt\nbob2\npw\npw\n\n\ny\n",
			reg:    reg(errors.New("registration failed: that username is taken")),
			jid:    "bob2@example.org",
			pw:     "pw",
			output: []string{"Registration failed: registration failed: that username is taken", "[t]ry again", "Created bob2@example.org."},
		},
		{
			name:  "web page only, then an existing account",
			input: "c\nexample.org\n\nu\ncarol@example.org\nsecret\n\n",
			reg: func(context.Context, Account, func(*forms.Form) error) error {
				return &WebRegistrationError{Server: "example.org", URL: "https://example.org/register", Why: "Visit \x1b[31mit"}
			},
			jid:    "carol@example.org",
			pw:     "secret",
			output: []string{"example.org creates accounts only on a web page: https://example.org/register (Visit it)", "[u]se an existing account, [o]ther server, or [q]uit?"},
		},
		{
			name:   "use an existing account",
			input:  "u\ndan@example.org\npw\n\n",
			reg:    reg(nil),
			jid:    "dan@example.org",
			pw:     "pw",
			output: []string{"[u]se an existing account, or [c]reate"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fails, filled = 0, nil
			path := t.TempDir() + "/config.toml"
			var out strings.Builder
			c, err := SetupWith(context.Background(), strings.NewReader(tt.input), &out, path, SetupOptions{Register: tt.reg})
			if err != nil {
				t.Fatalf("%v\n%s", err, out.String())
			}
			if a := c.Accounts[0]; a.JID.String() != tt.jid || a.Password != tt.pw {
				t.Errorf("account %+v", a)
			}
			for _, w := range tt.output {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.ContainsAny(out.String(), "\x1b\x07\u202e") {
				t.Errorf("unsanitized output: %q", out.String())
			}
			if tt.name == "created" && (filled.Field("lang").Value() != "fr" || !filled.Field("tos").Bool() || filled.Field("email").Value() != "") {
				t.Errorf("form %+v", filled.Fields)
			}
		})
	}
}

func TestSetupCreateQuit(t *testing.T) {
	reg := func(context.Context, Account, func(*forms.Form) error) error { return errors.New("no") }
	path := t.TempDir() + "/config.toml"
	_, err := SetupWith(context.Background(), strings.NewReader("c\nexample.org\n\nq\n"), &strings.Builder{}, path, SetupOptions{Register: reg})
	if !errors.Is(err, ErrSetupQuit) {
		t.Fatalf("err %v", err)
	}
}
