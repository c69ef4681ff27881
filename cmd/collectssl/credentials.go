// This file holds where the account's login comes from: the environment
// (COLLECTSSL_LOGIN, COLLECTSSL_PASSWORD) or a credentials file. Never from a
// flag, and the password never reaches a message.

package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/collectssl/collectssl"
)

// The environment variables that hold the login.
const (
	envLogin    = "COLLECTSSL_LOGIN"
	envPassword = "COLLECTSSL_PASSWORD"
)

// maxCredentialsFileBytes bounds the credentials file: a login of 64 and a
// password of 128 characters, at 4 bytes each at worst, plus key names and a
// few comment lines fit in 4 KiB; anything bigger is not a credentials file.
const maxCredentialsFileBytes = 4 << 10

// loadCredentials reads the credentials from file when it is not "", else
// from the environment. Missing credentials are a usage error.
func loadCredentials(file string, e *env) (collectssl.Credentials, error) {
	if file != "" {
		return readCredentialsFile(file, e)
	}
	c := collectssl.Credentials{LoginName: e.getenv(envLogin), LoginPassword: e.getenv(envPassword)}
	switch {
	case c.LoginName == "" && c.LoginPassword == "":
		return c, usagef("collectssl: no credentials: set %s and %s, or use -credentials FILE", envLogin, envPassword)
	case c.LoginName == "":
		return c, usagef("collectssl: %s is not set", envLogin)
	case c.LoginPassword == "":
		return c, usagef("collectssl: %s is not set", envPassword)
	}
	return c, nil
}

// readCredentialsFile reads a credentials file (format in the package
// documentation), warning on stderr when others may read it. Messages name
// line numbers, never a line's content.
func readCredentialsFile(name string, e *env) (collectssl.Credentials, error) {
	var c collectssl.Credentials
	data, err := readFileLimited(name, maxCredentialsFileBytes)
	if err != nil {
		return c, usagef("%v", err)
	}
	if fi, err := os.Stat(name); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(e.stderr, "collectssl: warning: credentials file %s is readable by others (mode %04o); chmod 600 it\n", name, fi.Mode().Perm())
	}
	var haveLogin, havePassword bool
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		key, value, ok := bytes.Cut(line, []byte("="))
		if !ok {
			return c, usagef("collectssl: credentials file %s: line %d is not key=value", name, i+1)
		}
		switch strings.ToLower(string(bytes.TrimSpace(key))) {
		case "login", "loginname":
			if haveLogin {
				return c, usagef("collectssl: credentials file %s: line %d: second login", name, i+1)
			}
			c.LoginName, haveLogin = string(bytes.TrimSpace(value)), true
		case "password", "loginpassword":
			if havePassword {
				return c, usagef("collectssl: credentials file %s: line %d: second password", name, i+1)
			}
			c.LoginPassword, havePassword = string(value), true
		default:
			return c, usagef("collectssl: credentials file %s: line %d: unknown key (want login= or password=)", name, i+1)
		}
	}
	switch {
	case c.LoginName == "":
		return c, usagef("collectssl: credentials file %s: no login= line", name)
	case c.LoginPassword == "":
		return c, usagef("collectssl: credentials file %s: no password= line", name)
	}
	return c, nil
}
