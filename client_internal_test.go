// This file tests the client's internals directly: the endpoint rule, the
// retry policy's arithmetic, the response size clamp, the account lock
// (its key, its FIFO order, its registry) and the scan for an echoed
// password.

package collectssl

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEndpointLoopbackHTTP(t *testing.T) {
	for _, ep := range []string{"http://127.0.0.1:1/x", "http://127.8.9.10/x", "http://[::1]:8080/x", "http://localhost/x", "https://example.com/x"} {
		c := &Client{Endpoint: ep}
		if got, err := c.endpoint(); err != nil || got.raw != ep || got.server != AccountOf(ep, "").Server {
			t.Errorf("endpoint(%q) = %+v, %v; want it accepted", ep, got, err)
		}
	}
	if got, _ := (&Client{}).endpoint(); got.raw != DefaultEndpoint || got.server != AccountOf("", "").Server {
		t.Errorf("zero Endpoint = %+v, want DefaultEndpoint", got)
	}
	c := &Client{Endpoint: "http://user:hunter2@example.com/x"}
	for range 2 { // checked each time: user information is never kept
		if _, err := c.endpoint(); err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("endpoint() = %v; want an error without the URL's password", err)
		}
		if e := lastEndpoint.Load(); e != nil && strings.Contains(e.raw, "hunter2") {
			t.Errorf("the password is kept in package state: %q", e.raw)
		}
	}
	// The cache holds one endpoint: switching back and forth checks each
	// again, and each keeps its own answer.
	ok, bad := &Client{Endpoint: "https://example.com/x"}, &Client{Endpoint: "ftp://example.com/x"}
	for range 2 {
		if _, err := ok.endpoint(); err != nil {
			t.Errorf("endpoint(%q) = %v", ok.Endpoint, err)
		}
		if _, err := bad.endpoint(); err == nil {
			t.Errorf("endpoint(%q) accepted", bad.Endpoint)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: 350 * time.Millisecond}
	for n, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 350 * time.Millisecond, 40: 350 * time.Millisecond} {
		for range 200 {
			if d := p.delay(n); d <= 0 || d > ceiling {
				t.Fatalf("delay(%d) = %v, want in (0, %v]", n, d, ceiling)
			}
		}
	}
	for n := 1; n < 70; n++ { // no overflow, however large the delays
		if d := (RetryPolicy{BaseDelay: 1 << 62, MaxDelay: math.MaxInt64}).delay(n); d <= 0 {
			t.Fatalf("delay(%d) = %v with huge delays", n, d)
		}
	}
	if got := (RetryPolicy{}).attempts(); got != 3 {
		t.Errorf("zero policy attempts = %d, want 3", got)
	}
}

func TestLockKeyFoldsSpellings(t *testing.T) {
	same := [][]string{
		{DefaultEndpoint, "HTTPS://Secure.Trust-Provider.COM/products/download/CollectSSL", DefaultEndpoint + "/",
			"https://secure.trust-provider.com:443/products/download/CollectSSL",
			"https://secure.comodo.net/products/download/CollectSSL", // Sectigo's two hostnames: one service
			"https://secure.comodo.net./products/download/CollectSSL"},
		{"https://127.0.0.1:8443/products/download/CollectSSL", "https://[::ffff:127.0.0.1]:8443/products/download/CollectSSL/",
			"HTTPS://LOCALHOST:8443/products/download/CollectSSL", "https://[::1]:8443/products/download/CollectSSL",
			"https://127.0.0.2:8443/products/download/CollectSSL"},
		{"http://127.0.0.1/x", "http://localhost:80/x/"},
	}
	for _, group := range same {
		want := lockKey(group[0], "a")
		for _, ep := range group[1:] {
			if got := lockKey(ep, "a"); got != want {
				t.Errorf("lockKey(%q) = %q, want %q (as %q)", ep, got, want, group[0])
			}
		}
	}
	for _, pair := range [][2]string{
		{"https://127.0.0.1:8443/x", "https://127.0.0.1:8444/x"},
		{"https://127.0.0.1:8443/x", "https://127.0.0.1:8443/y"},
		{"https://127.0.0.1:443/x", "http://127.0.0.1:443/x"},
		{"https://example.com/x", DefaultEndpoint},
	} {
		if lockKey(pair[0], "a") == lockKey(pair[1], "a") {
			t.Errorf("%q and %q share a lock; they are two servers", pair[0], pair[1])
		}
	}
	if lockKey(DefaultEndpoint, "a") == lockKey(DefaultEndpoint, "A") {
		t.Error("logins that differ in case share a lock; loginName is case-sensitive")
	}
}

func registrySize() int {
	locks.Lock()
	defer locks.Unlock()
	return len(locks.m)
}

// TestAccountLockFIFO: waiters get the lock in arrival order.
func TestAccountLockFIFO(t *testing.T) {
	const n = 20
	l := lockAccount("https://x", "fifo")
	if err := l.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	var order []int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range n {
		w := lockAccount("https://x", "fifo")
		wg.Go(func() {
			if err := w.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			w.release()
		})
		waitForWaiters(t, l, i+1) // i+1 queued before the next arrives
	}
	l.release()
	wg.Wait()
	want := make([]int, n)
	for i := range want {
		want[i] = i
	}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("acquisition order (-want +got):\n%s", diff)
	}
	if n := registrySize(); n != 0 {
		t.Errorf("%d account locks left in the registry, want 0", n)
	}
}

func waitForWaiters(t *testing.T, l *accountLock, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Microsecond) {
		locks.Lock()
		got := len(l.waiters)
		locks.Unlock()
		if got >= n {
			return
		}
	}
	t.Fatalf("never saw %d waiters", n)
}

// TestModuleVersion: the User-Agent's version comes from the build
// information, as a dependency, as the main module, or "devel".
func TestModuleVersion(t *testing.T) {
	dep := func(path, version string, replace *debug.Module) *debug.Module {
		return &debug.Module{Path: path, Version: version, Replace: replace}
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"no build information", nil, false, "devel"},
		{"a dependency", &debug.BuildInfo{Main: debug.Module{Path: "example.com/panel", Version: "v2.1.0"},
			Deps: []*debug.Module{dep("golang.org/x/text", "v0.41.0", nil), dep(modulePath, "v1.4.2", nil)}}, true, "v1.4.2"},
		{"a replaced dependency", &debug.BuildInfo{Main: debug.Module{Path: "example.com/panel"},
			Deps: []*debug.Module{dep(modulePath, "v1.4.2", dep("example.com/fork", "v1.4.3-fix", nil))}}, true, "v1.4.3-fix"},
		{"replaced by a directory", &debug.BuildInfo{Main: debug.Module{Path: "example.com/panel"},
			Deps: []*debug.Module{dep(modulePath, "v1.4.2", dep("../collectssl", "", nil))}}, true, "devel"},
		{"the main module, tagged", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v1.5.0"}}, true, "v1.5.0"},
		{"the main module in a work tree", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"}}, true, "devel"},
		{"not in the build", &debug.BuildInfo{Main: debug.Module{Path: "example.com/panel", Version: "v2.1.0"}}, true, "devel"},
	}
	for _, tt := range tests {
		if got := moduleVersion(tt.bi, tt.ok); got != tt.want {
			t.Errorf("%s: moduleVersion = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestRetryAfter: seconds or an HTTP date, nothing for anything else.
func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		h    string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"Mon, 30 Nov 2026 12:00:30 GMT", 30 * time.Second},
		{"Monday, 30-Nov-26 12:01:00 GMT", time.Minute},
		{"Mon, 30 Nov 2026 11:00:00 GMT", 0}, // passed
		{"-5", 0},
		{"soon", 0},
		{"99999999999999999999", 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.h, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.h, got, tt.want)
		}
	}
}

// lockAccount returns the registry's lock of a login on an endpoint.
func lockAccount(endpoint, login string) *accountLock {
	return lockAccountKey(lockKey(endpoint, login))
}

// lockKey names an account on a server: AccountOf(endpoint, login).Key().
func lockKey(endpoint, login string) string { return AccountOf(endpoint, login).Key() }

func TestReadBody(t *testing.T) {
	limit := int64(10)
	errRead := errors.New("connection reset")
	for _, tt := range []struct {
		name     string
		body     string
		declared int64
		err      error // the reader's error after body, nil for EOF
		want     string
		wantErr  error
	}{
		{"declared, exact", "0123456789", 10, nil, "0123456789", nil},
		{"declared, short", "01234", 5, nil, "01234", nil},
		{"undeclared", "01234", -1, nil, "01234", nil},
		{"undeclared, over the limit: one byte more", "0123456789abc", -1, nil, "0123456789a", nil},
		{"declared over the limit", "0123456789abc", 13, nil, "0123456789a", nil},
		{"more than declared is read on", "0123456789", 4, nil, "0123456789", nil},
		{"more than declared, over the limit", "0123456789abc", 4, nil, "0123456789a", nil},
		{"less than declared: the transport's to report", "012", 5, nil, "012", nil},
		{"nothing of what was declared", "", 5, nil, "", nil},
		{"declared over the buffer's bound", strings.Repeat("x", bodyPrealloc+3), bodyPrealloc + 3, nil, strings.Repeat("x", bodyPrealloc+3), nil},
		{"an error inside the declared length", "012", 5, errRead, "012", errRead},
		{"an error after it", "01234", 5, errRead, "01234", errRead},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var r io.Reader = strings.NewReader(tt.body)
			if tt.err != nil {
				r = io.MultiReader(r, iotest.ErrReader(tt.err))
			}
			lim := limit
			if tt.declared > bodyPrealloc {
				lim = 1 << 20
			}
			got, err := readAtMost(r, tt.declared, lim, bodyPrealloc)
			if string(got) != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("readAtMost = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestHoldsAny: holdsAny finds a form of the password wherever a scan per
// form finds one: on random passwords and bodies over a small alphabet
// (repeats and overlaps are common: a form may start inside an earlier
// near miss; escapes, control bytes and a broken UTF-8 sequence change the
// forms), with forms put in on purpose; on random lists of forms; and on
// bodies that repeat the forms' start more often than it checks before it
// scans per form. Most random passwords take its one-scan path.
func TestHoldsAny(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "aab@/ \"%+\\\x01\xc3é"
	word := func(alphabet string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	check := func(body string, forms []string) bool {
		t.Helper()
		want := false
		for _, f := range forms {
			want = want || strings.Contains(body, f)
		}
		if got := holdsAny([]byte(body), forms); got != want {
			t.Fatalf("holdsAny(%q, %q) = %v, want %v", body, forms, got, want)
		}
		return want
	}
	oneScan, found := 0, 0
	for range 20000 {
		secret := word(alphabet, 1+rng.IntN(9))
		if rng.IntN(2) == 0 { // a start that no form escapes
			secret = word("ab", 4+rng.IntN(3)) + word(alphabet, rng.IntN(6))
		}
		forms := secretForms(secret)
		body := word(alphabet, rng.IntN(40))
		if rng.IntN(2) == 0 {
			f := forms[rng.IntN(len(forms))]
			body += f[:rng.IntN(len(f)+1)] + f + word(alphabet, rng.IntN(10)) // a near miss, then the form
		}
		if check(body, forms) {
			found++
		}
		if len(commonPrefix(forms)) >= minSharedStart {
			oneScan++
		}
	}
	if oneScan < 1000 || found < 5000 {
		t.Fatalf("%d cases took the one-scan path and %d held a form: too few to show anything", oneScan, found)
	}
	for range 5000 { // any forms, not only a password's
		forms := make([]string, 1+rng.IntN(4))
		for i := range forms {
			forms[i] = word("ab%", rng.IntN(7))
		}
		check(word("ab%", rng.IntN(40)), forms)
	}
	forms := secretForms("abcd@ef")
	for _, hits := range []int{0, maxStartHits - 1, maxStartHits, maxStartHits + 1, 3 * maxStartHits} {
		near := strings.Repeat("abcd+", hits)
		if !check(near+forms[1], forms) || check(near, forms) {
			t.Fatalf("%d near misses: the form went unseen, or was seen without being there", hits)
		}
	}
	if holdsAny([]byte("any body"), nil) {
		t.Error("holdsAny with no password: true")
	}
}

// TestQuotedInner: quotedInner is what %q makes of a password, less the
// quotes, whether it takes its short cut (printable ASCII) or not.
func TestQuotedInner(t *testing.T) {
	for _, s := range []string{"", "abc", "a b~!", `a"b`, `a\b`, "é", "\x00", "\x1f", "\x7f", "a\tb", "\xff", "日本"} {
		q := strconv.Quote(s)
		if got, want := quotedInner(s), q[1:len(q)-1]; got != want {
			t.Errorf("quotedInner(%q) = %q, want %q", s, got, want)
		}
	}
}
