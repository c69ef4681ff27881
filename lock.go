// This file holds the account lock: the Locker interface by which a Client
// holds its account while a call is in flight, the Account it names, and the
// default Locker, ProcessLocker: a first-in, first-out lock per account and
// server, in a process-wide registry, so that the Clients of one account
// never have two calls in flight to the server at once (the API asks for
// this), and a caller whose context ends leaves the queue at once.

package collectssl

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/collectssl/collectssl/internal/endpoints"
)

// Account names an account on a CollectSSL server, for a Locker: the one
// thing two calls must share to be kept apart. It never holds the password.
//
// Every spelling of one server gives the same Server: the scheme and host
// fold case; an IPv4 address mapped into IPv6 is the IPv4 address; every
// loopback host (localhost, 127.0.0.0/8, ::1) is one; a final dot is
// dropped; the port is explicit (443 for https, 80 for http); a trailing
// slash is dropped; user information and the query are not part of it. Sectigo's two hostnames for
// the API, secure.trust-provider.com and secure.comodo.net, serve the same
// accounts and are one server, "sectigo". LoginName is as given: login
// names are case-sensitive, as the specification says.
type Account struct {
	Server    string // the endpoint folded as above, e.g. "sectigo" or "https://loopback:8443/products/download/CollectSSL"
	LoginName string
}

// Key returns the account as one string: Server, a NUL byte, LoginName.
// Two Accounts are the same account exactly when their Keys are equal.
func (a Account) Key() string { return a.Server + "\x00" + a.LoginName }

// AccountOf returns the Account of a login name on an endpoint ("" means
// DefaultEndpoint), folded as Account describes.
func AccountOf(endpoint, loginName string) Account {
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	return Account{Server: serverKey(endpoint), LoginName: loginName}
}

// Locker holds an account while a Client's call is in flight, so that no two
// calls of one account overlap. Client.Locker sets it; the default is
// ProcessLocker, which keeps the Clients of one process apart. Package pglock
// (module github.com/collectssl/collectssl/pglock) keeps several processes
// apart, on PostgreSQL advisory locks.
//
// Lock waits until account is free and holds it for the caller, then returns
// the function that frees it; the Client calls unlock exactly once, when
// its call ends (or panics), and sends nothing unless Lock returned a nil
// error. Waiters should be served in arrival order where the implementation
// can. A waiter whose ctx ends must leave at once: Lock then returns
// ctx.Err() (which the Client passes on as it is) and holds nothing. Any
// other error means the account could not be held; Collect then fails with
// an error that matches ErrAccountLock and wraps it. Lock must be safe for
// concurrent use.
type Locker interface {
	Lock(ctx context.Context, account Account) (unlock func(), err error)
}

// ProcessLocker is the default Locker: a first-in, first-out lock per
// account in a registry shared by the whole process, so every Client of the
// process (and every ProcessLocker value) queues in one line per account. A
// waiter whose ctx ends leaves the line at once. It never fails otherwise.
// Its zero value is ready to use; it keeps nothing apart across processes.
type ProcessLocker struct{}

// Lock waits for account in arrival order, or returns ctx.Err() as soon as
// ctx ends. The unlock it returns hands the account to the longest waiter;
// calling it more than once does nothing more.
func (ProcessLocker) Lock(ctx context.Context, account Account) (unlock func(), err error) {
	l := lockAccountKey(account.Key())
	if err := l.acquire(ctx); err != nil {
		return nil, err
	}
	var released atomic.Bool
	return func() {
		if released.CompareAndSwap(false, true) {
			l.release()
		}
	}, nil
}

// accountLock is a first-in, first-out lock: callers acquire it in arrival
// order, and a caller whose context ends while queued leaves at once.
type accountLock struct {
	key     string
	users   int // holders and waiters; the lock leaves the registry at 0
	busy    bool
	waiters []chan struct{}
}

// locks is the registry of account locks, so that two Clients of the same
// account never overlap either. An entry lives only while it has users.
var locks = struct {
	sync.Mutex
	m map[string]*accountLock
}{m: map[string]*accountLock{}}

// lockAccountKey returns the registry's lock for an account's key, counting
// one more user.
func lockAccountKey(key string) *accountLock {
	locks.Lock()
	defer locks.Unlock()
	l := locks.m[key]
	if l == nil {
		l = &accountLock{key: key}
		locks.m[key] = l
	}
	l.users++
	return l
}

// serverKey folds the spellings of one server into one string, as Account
// describes. An endpoint that is not a URL (Client.Collect refuses those
// before it locks anything) is its own server, without its user
// information when it has some.
func serverKey(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		if at := strings.LastIndex(endpoint, "@"); at >= 0 {
			endpoint = endpoint[at+1:]
		}
		return "invalid:" + endpoint
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.TrimSuffix(strings.ToLower(u.Hostname()), "."), u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	if ip := net.ParseIP(host); ip != nil {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		host = ip.String()
	}
	if endpoints.IsLoopback(host) {
		host = "loopback"
	}
	if host == "secure.trust-provider.com" || host == "secure.comodo.net" {
		return "sectigo"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + strings.TrimSuffix(u.EscapedPath(), "/")
}

// acquire takes the lock, or returns ctx.Err() (and gives up its place) if the
// context ends first. Every lockAccount is followed by exactly one successful
// acquire+release, or one failed acquire.
func (l *accountLock) acquire(ctx context.Context) error {
	locks.Lock()
	if !l.busy {
		l.busy = true
		locks.Unlock()
		return nil
	}
	ch := make(chan struct{})
	l.waiters = append(l.waiters, ch)
	locks.Unlock()

	select {
	case <-ch:
		return nil
	case <-ctx.Done():
	}
	locks.Lock()
	for i, w := range l.waiters {
		if w == ch {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			l.leaveLocked()
			locks.Unlock()
			return ctx.Err()
		}
	}
	locks.Unlock()
	// The lock was handed to us just as the context ended: pass it on.
	l.release()
	return ctx.Err()
}

// release hands the lock to the longest waiter, or frees it.
func (l *accountLock) release() {
	locks.Lock()
	defer locks.Unlock()
	if len(l.waiters) > 0 {
		next := l.waiters[0]
		l.waiters = l.waiters[1:]
		close(next) // the lock stays busy: ownership passes to next
	} else {
		l.busy = false
	}
	l.leaveLocked()
}

func (l *accountLock) leaveLocked() {
	l.users--
	if l.users == 0 {
		delete(locks.m, l.key)
	}
}
