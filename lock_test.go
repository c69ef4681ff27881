// This file tests the Locker seam of Client: what a Locker is handed (the
// account, never the password), that a call is sent only while the account
// is held and is unlocked exactly once, how a failing or cancelled Locker
// ends a Collect, and that ProcessLocker and the default Client share one
// line per account.

package collectssl_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
)

// recordingLocker wraps ProcessLocker and records what it was asked for and
// whether a call reached the server while the account was not held.
type recordingLocker struct {
	srv *collectssltest.Server
	err error // returned by Lock instead of locking, when not nil

	mu       sync.Mutex
	accounts []collectssl.Account
	held     bool
	locks    int
	unlocks  int
	calls    int // the server's call count when the account was last taken
	unheld   int // calls the server received while the account was free
}

func (r *recordingLocker) Lock(ctx context.Context, a collectssl.Account) (func(), error) {
	r.mu.Lock()
	r.accounts = append(r.accounts, a)
	r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	unlock, err := collectssl.ProcessLocker{}.Lock(ctx, a)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unheld += r.srv.CallCount() - r.calls // calls since the last unlock
	r.held = true
	r.locks++
	return func() {
		r.mu.Lock()
		r.held = false
		r.unlocks++
		r.calls = r.srv.CallCount()
		r.mu.Unlock()
		unlock()
	}, nil
}

func TestClientLockerHandedAccountNotPassword(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	req := addOrder(srv, collectssltest.StateProcessing)
	rec := &recordingLocker{srv: srv}
	c := srv.Client()
	c.Locker = rec
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	// User information in the endpoint is no part of the account.
	u.User = url.UserPassword("someone", testPassword)
	c.Endpoint = u.String()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 5 {
				if _, err := c.Collect(context.Background(), req); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := settledCalls(t, srv); n != 50 {
		t.Errorf("server saw %d calls, want 50", n)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.locks != 50 || rec.unlocks != 50 || rec.held {
		t.Errorf("Lock %d times, unlock %d times, held at the end %v; want 50, 50, false", rec.locks, rec.unlocks, rec.held)
	}
	if rec.unheld != 0 {
		t.Errorf("%d calls reached the server while the account was free, want 0", rec.unheld)
	}
	want := collectssl.Account{Server: "https://loopback:" + u.Port() + u.EscapedPath(), LoginName: testCreds.LoginName}
	for _, a := range rec.accounts {
		if a != want {
			t.Fatalf("Locker was handed %+v, want %+v", a, want)
		}
		if strings.Contains(a.Key(), testPassword) || strings.Contains(a.Key(), "someone") {
			t.Fatalf("Locker was handed an account with a credential in it: %q", a.Key())
		}
	}
}

// TestClientLockerFails: a Locker that cannot hold the account fails the
// Collect with ErrAccountLock, its own error wrapped, the password scrubbed,
// and nothing sent.
func TestClientLockerFails(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	req := addOrder(srv, collectssltest.StateProcessing)
	dbDown := errors.New("database unreachable (password " + testPassword + ")")
	c := srv.Client()
	c.Locker = &recordingLocker{srv: srv, err: dbDown}
	_, err := c.Collect(context.Background(), req)
	if !errors.Is(err, collectssl.ErrAccountLock) || !errors.Is(err, dbDown) {
		t.Fatalf("Collect() = %v, want ErrAccountLock wrapping the Locker's error", err)
	}
	if strings.Contains(err.Error(), testPassword) || !strings.HasPrefix(err.Error(), "collectssl: ") {
		t.Errorf("error %q: want the prefix once and no password", err)
	}
	if n := settledCalls(t, srv); n != 0 {
		t.Errorf("server saw %d calls, want 0: nothing is sent without the lock", n)
	}
}

// TestProcessLockerSharedWithClients: a ProcessLocker held by hand keeps
// a default Client of the account waiting, in the same line; a waiter whose
// context ends leaves at once with ctx.Err() and sends nothing; unlock lets
// the next one go, and a second unlock does nothing more.
func TestProcessLockerSharedWithClients(t *testing.T) {
	srv := newServer(t, collectssltest.Options{})
	req := addOrder(srv, collectssltest.StateProcessing)
	c := srv.Client()
	unlock, err := collectssl.ProcessLocker{}.Lock(context.Background(), collectssl.AccountOf(srv.URL(), testCreds.LoginName))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() { _, err := c.Collect(ctx, req); cancelled <- err }()
	waitForQueued(t, c, 1)
	done := make(chan error, 1)
	go func() { _, err := c.Collect(context.Background(), req); done <- err }()
	waitForQueued(t, c, 2)
	cancel()
	if err := <-cancelled; err != context.Canceled {
		t.Fatalf("cancelled waiter: Collect() = %v, want context.Canceled itself", err)
	}
	if n, _ := collectssl.QueuedCallers(c); n != 1 {
		t.Errorf("%d callers queued after one left, want 1", n)
	}
	if n := srv.CallCount(); n != 0 {
		t.Errorf("server saw %d calls while the account was held, want 0", n)
	}
	unlock()
	unlock() // a second unlock must not free the account under the next holder
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("queued Collect() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the queued Collect never went ahead after unlock")
	}
	if n := settledCalls(t, srv); n != 1 {
		t.Errorf("server saw %d calls, want 1", n)
	}
	if n := collectssl.AccountLocks(); n != 0 {
		t.Errorf("%d account locks left in the registry, want 0", n)
	}
}

// TestAccountOf: the empty endpoint is the default one; Sectigo's hostnames
// are one server; user information, the query and case in the host are no
// part of an account; the login name keeps its case.
func TestAccountOf(t *testing.T) {
	for _, tc := range []struct {
		endpoint, login string
		want            collectssl.Account
	}{
		{"", "a", collectssl.Account{Server: "sectigo", LoginName: "a"}},
		{"https://secure.comodo.net/products/download/CollectSSL", "A", collectssl.Account{Server: "sectigo", LoginName: "A"}},
		{"https://u:" + testPassword + "@Example.COM/x/?q=1", "a", collectssl.Account{Server: "https://example.com:443/x", LoginName: "a"}},
		{"http://[::1]:8080/x", "a", collectssl.Account{Server: "http://loopback:8080/x", LoginName: "a"}},
		{"://u:" + testPassword + "@bad", "a", collectssl.Account{Server: "invalid:bad", LoginName: "a"}},
	} {
		if got := collectssl.AccountOf(tc.endpoint, tc.login); got != tc.want {
			t.Errorf("AccountOf(%q, %q) = %+v, want %+v", tc.endpoint, tc.login, got, tc.want)
		}
	}
	if got, want := (collectssl.Account{Server: "s", LoginName: "l"}).Key(), "s\x00l"; got != want {
		t.Errorf("Key() = %q, want %q", got, want)
	}
}

// An unlock called twice frees the account once: the second call must not
// free it from under the next holder, who was queued behind the first (and
// so holds the same lock). A third caller must then queue behind the
// second, and get the account when the second lets it go.
func TestProcessLockerUnlockTwice(t *testing.T) {
	a := collectssl.Account{Server: "https://unlock-twice.example:443", LoginName: "x"}
	lock := func(got chan<- func()) {
		unlock, err := collectssl.ProcessLocker{}.Lock(context.Background(), a)
		if err != nil {
			t.Error(err)
		}
		got <- unlock
	}
	waitQueued := func(n int, early <-chan func()) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); collectssl.QueuedOn(a) < n; time.Sleep(time.Millisecond) {
			select {
			case <-early:
				t.Fatal("the lock was taken while it was held")
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("no caller queued") // a hang guard, not a measurement
			}
		}
	}
	first, err := collectssl.ProcessLocker{}.Lock(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	secondGot := make(chan func(), 1)
	go lock(secondGot)
	waitQueued(1, secondGot)
	first()
	second := <-secondGot
	first() // again: a no-op

	thirdGot := make(chan func(), 1)
	go lock(thirdGot)
	waitQueued(1, thirdGot)
	second()
	select {
	case third := <-thirdGot:
		third()
	case <-time.After(10 * time.Second): // a hang guard, not a measurement
		t.Fatal("the third caller never got the account")
	}
}
