// This file tests where credentials come from: the environment and the
// credentials file (its format, its errors, the permission warning), and
// that the password reaches no message.

package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/collectssl/collectssl"
)

// writeCredentials writes a credentials file with the given mode.
func writeCredentials(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(name, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(name, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
	return name
}

func TestReadCredentialsFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    collectssl.Credentials
		wantErr string // a part of the error; "" for none
	}{
		{"two lines", "login=acme\npassword=" + testPassword + "\n",
			collectssl.Credentials{LoginName: "acme", LoginPassword: testPassword}, ""},
		{"API names, CRLF, no final newline", "loginName=acme\r\nloginPassword=" + testPassword,
			collectssl.Credentials{LoginName: "acme", LoginPassword: testPassword}, ""},
		{"comments, blanks, spaces around the login and the key", "# the account\n\n  login = acme \n  Password=" + testPassword + "\n",
			collectssl.Credentials{LoginName: "acme", LoginPassword: testPassword}, ""},
		{"password verbatim: spaces, '=' and '#'", "password= a b=c #d \nlogin=acme\n",
			collectssl.Credentials{LoginName: "acme", LoginPassword: " a b=c #d "}, ""},
		{"no key", "acme\n", collectssl.Credentials{}, "line 1 is not key=value"},
		{"password as a key", testPassword + "\n", collectssl.Credentials{}, "line 1: unknown key"},
		{"unknown key", "login=acme\nsecret=" + testPassword + "\n", collectssl.Credentials{}, "line 2: unknown key"},
		{"two passwords", "login=acme\npassword=" + testPassword + "\npassword=" + testPassword + "\n", collectssl.Credentials{}, "line 3: second password"},
		{"two logins", "login=a\nlogin=b\n", collectssl.Credentials{}, "line 2: second login"},
		{"no password", "login=acme\n", collectssl.Credentials{}, "no password= line"},
		{"empty password", "login=acme\npassword=\n", collectssl.Credentials{}, "no password= line"},
		{"no login", "password=" + testPassword + "\n", collectssl.Credentials{}, "no login= line"},
		{"too large", "login=acme\npassword=" + testPassword + "\n#" + strings.Repeat("x", maxCredentialsFileBytes) + "\n", collectssl.Credentials{}, "more than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := writeCredentials(t, tt.content, 0o600)
			var stderr bytes.Buffer
			got, err := readCredentialsFile(name, &env{stderr: &stderr})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				if got != tt.want {
					t.Errorf("got login %q and a password of %d bytes, want %q and %d bytes (equal: %v)",
						got.LoginName, len(got.LoginPassword), tt.want.LoginName, len(tt.want.LoginPassword), got.LoginPassword == tt.want.LoginPassword)
				}
			} else {
				if err == nil {
					t.Fatalf("err = nil, want one containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %q, want it to contain %q", err, tt.wantErr)
				}
				var ue *usageError
				if !errors.As(err, &ue) {
					t.Errorf("err is %T, want a *usageError (exit 2)", err)
				}
				if strings.Contains(err.Error(), testPassword) {
					t.Errorf("err contains the password: %q", err)
				}
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q for a file of mode 0600, want nothing", stderr.String())
			}
		})
	}
}

func TestCredentialsFilePermissionWarning(t *testing.T) {
	for _, tt := range []struct {
		mode os.FileMode
		warn bool
	}{{0o600, false}, {0o400, false}, {0o640, true}, {0o644, true}, {0o604, true}} {
		name := writeCredentials(t, "login=acme\npassword="+testPassword+"\n", tt.mode)
		var stderr bytes.Buffer
		if _, err := readCredentialsFile(name, &env{stderr: &stderr}); err != nil {
			t.Fatalf("mode %04o: %v", tt.mode, err)
		}
		got := strings.Contains(stderr.String(), "collectssl: warning: credentials file")
		if got != tt.warn {
			t.Errorf("mode %04o: warned = %v, want %v (stderr %q)", tt.mode, got, tt.warn, stderr.String())
		}
	}
}

func TestLoadCredentialsPrecedence(t *testing.T) {
	file := writeCredentials(t, "login=fromfile\npassword="+testPassword+"\n", 0o600)
	vars := map[string]string{envLogin: "fromenv", envPassword: testPassword}
	e := &env{stderr: &bytes.Buffer{}, getenv: func(k string) string { return vars[k] }}
	tests := []struct {
		file, want string
	}{{"", "fromenv"}, {file, "fromfile"}}
	for _, tt := range tests {
		got, err := loadCredentials(tt.file, e)
		if err != nil {
			t.Fatal(err)
		}
		if got.LoginName != tt.want || got.LoginPassword != testPassword {
			t.Errorf("loadCredentials(%q) login = %q, want %q", tt.file, got.LoginName, tt.want)
		}
	}
}
