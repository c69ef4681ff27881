// This file tests the endpoint rule: https anywhere, plain http to a
// loopback host only, and reasons that never show user information.

package endpoints

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		raw string
		ok  bool
	}{
		{"https://secure.trust-provider.com/products/download/CollectSSL", true},
		{"http://127.0.0.1:8080/x", true},
		{"http://[::1]:8080/x", true},
		{"http://localhost/x", true},
		{"http://example.com/x", false},
		{"ftp://example.com/x", false},
		{"https:///x", false},
		{"http://user:hunter2@example.com/x", false},
		{"::not a url", false},
	} {
		err := Check(tt.raw)
		if (err == nil) != tt.ok {
			t.Errorf("Check(%q) = %v, want ok %v", tt.raw, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Check(%q) = %v: shows the password", tt.raw, err)
		}
	}
}
