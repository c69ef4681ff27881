// Package endpoints holds the rule both API clients of the module apply to
// the URLs they call: https, or plain http to a loopback host only (for
// tests), since the requests carry credentials.
package endpoints

import (
	"errors"
	"net"
	"net/url"
)

// Check returns nil when raw is a URL the clients may call, else a reason
// (never holding the URL's user information) for the caller to wrap in its
// own sentinel.
func Check(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case u.Host == "":
		return errors.New(u.Redacted() + " has no host")
	case u.Scheme == "https":
	case u.Scheme == "http" && IsLoopback(u.Hostname()):
	default:
		return errors.New(u.Redacted() + ": must be https (plain http only to a loopback host)")
	}
	return nil
}

// IsLoopback reports whether host is "localhost" or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
