// This file holds the account lock: a first-in, first-out lock per account
// and endpoint, in a process-wide registry, so that the Clients of one
// account never have two calls in flight to the server at once (the API asks
// for this), and a caller whose context ends leaves the queue at once.

package collectssl

import (
	"context"
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

// lockKey names an account at an endpoint: the scheme and host fold case
// and a trailing slash is dropped, so that spellings of one URL share a lock.
// (The two hosts that serve the API are not known to share accounts, so they
// are not folded into one.)
func lockKey(endpoint, login string) string {
	if u, err := url.Parse(endpoint); err == nil {
		endpoint = strings.ToLower(u.Scheme+"://"+u.Host) + strings.TrimSuffix(u.Path, "/")
	}
	return endpoint + "\x00" + login
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
