// This file holds the account lock: a first-in, first-out lock per account
// and endpoint, in a process-wide registry, so that the Clients of one
// account never have two calls in flight to the server at once (the API asks
// for this), and a caller whose context ends leaves the queue at once.

package collectssl

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
)

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

func lockAccount(endpoint, login string) *accountLock {
	key := lockKey(endpoint, login)
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

// lockKey names an account on a server, so that every spelling of one
// server shares one lock per login name (login names are case-sensitive, as
// the specification says): the scheme and host fold case; an IPv4 address
// mapped into IPv6 is the IPv4 address; every loopback host (localhost,
// 127.0.0.0/8, ::1) is one; a fully qualified name's final dot is dropped;
// the port is explicit (443 for https, 80 for http); a trailing slash is
// dropped. Sectigo's two hostnames for the API,
// secure.trust-provider.com and secure.comodo.net, serve the same accounts
// and are one server.
func lockKey(endpoint, login string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint + "\x00" + login
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
	if isLoopback(host) {
		host = "loopback"
	}
	if host == "secure.trust-provider.com" || host == "secure.comodo.net" {
		return "sectigo\x00" + login
	}
	return scheme + "://" + net.JoinHostPort(host, port) + strings.TrimSuffix(u.EscapedPath(), "/") + "\x00" + login
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
