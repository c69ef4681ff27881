// Package pglock is a collectssl.Locker on PostgreSQL advisory locks, for
// several processes (replicas of a service, a cron job beside a daemon) that
// share a CollectSSL account: the API asks for one call in flight per
// account, and the database such services already run keeps them apart.
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	...
//	client := &collectssl.Client{Credentials: creds, Locker: pglock.New(pool)}
//
// # How it locks
//
// Lock first takes collectssl.ProcessLocker, so the callers of one process
// queue in arrival order and only the first of them goes to the database.
// That one takes a connection from the pool and holds it for the whole call:
// on it, pg_advisory_lock(key) waits until no other session holds the key,
// and pg_advisory_unlock(key) frees it when the call ends; then the
// connection goes back to the pool. The lock is a session lock, so it ends
// with the session: if the process dies (even by SIGKILL), its connection
// closes and the database frees the key at once; no lease, no expiry, and
// nothing to clean up. PostgreSQL grants a key to its waiting sessions
// roughly in the order they asked; so the processes queue too.
//
// A caller whose context ends while it waits leaves at once: Lock closes the
// waiting connection, which takes the session out of the database's queue
// (or frees the key if it was granted at that instant), and returns
// ctx.Err().
//
// The key is Key(account): 64 bits from a SHA-256 of the account, never the
// password. Other advisory locks an application takes on the same database
// do not collide with it except by a 2^-64 chance.
//
// # When the database goes away
//
// No call is sent without the lock: if the database cannot be reached, or
// fails while Lock waits, Lock returns the error and Collect fails with
// collectssl.ErrAccountLock, having sent nothing. If the database goes away
// while a call is in flight (the lock already held), the call goes on and
// ends normally: nothing can recall a request already sent. But the database
// forgets the lock with the session, so once it is back, another process may
// take the lock and send its own call before this one has ended: one
// overlap at most per outage, for the length of one call. Unlock then finds
// the connection broken and drops it from the pool; the next Lock starts on
// a new connection. A database that restarts mid-call thus costs at most one
// overlapping call, never a stuck account.
//
// A host that vanishes without closing its connections (power loss, a
// network partition) keeps its lock until the database notices the dead
// connection: set the server's tcp_keepalives_idle (or the kernel's) to
// bound that.
//
// # What it needs and what it costs
//
// A role that can connect (advisory locks need no privilege and no table),
// and a session of its own for each lock: a direct connection or PgBouncer
// in session mode, not transaction or statement mode, where the lock would
// stay with a server connection that others then use. Each process holds
// at most one connection per account while it calls or waits, because its
// own callers queue in front of the database.
//
// Per call, the lock costs two round trips to the database
// (pg_advisory_lock, pg_advisory_unlock) and a pool checkout: 1.7 to 2.5
// times a bare `SELECT 1` on the same pool, measured by BenchmarkLockCost
// in this package (PostgreSQL 15 on a unix socket: 60 to 160 µs against 35
// to 67 µs). That is a fraction of a millisecond on a local network,
// against a CollectSSL call of tens to hundreds of milliseconds.
package pglock

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/jackc/pgx/v5/pgxpool"
)

// keyDomain separates this package's advisory keys from every other hash of
// the same account: it goes before the account in Key's hash.
const keyDomain = "collectssl account lock v1\x00"

// unlockTimeout bounds pg_advisory_unlock and the closing of a connection:
// past it, the connection is dropped, which frees the lock anyway.
const unlockTimeout = 10 * time.Second

// Key returns the advisory lock key of account: the first 8 bytes of
// SHA-256("collectssl account lock v1\x00" + account.Key()), read as a
// big-endian two's-complement int64. account.Key() is the folded server, a
// NUL byte and the login name (see collectssl.Account), so every spelling of
// one endpoint, and both of Sectigo's hostnames, give one key per login
// name. To see who holds it, in pg_locks (locktype 'advisory', objsubid 1):
// classid is the upper 32 bits of the key and objid the lower 32.
func Key(account collectssl.Account) int64 {
	sum := sha256.Sum256([]byte(keyDomain + account.Key()))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// Locker is a collectssl.Locker on PostgreSQL advisory locks; see the
// package documentation. Make one with New; it is safe for concurrent use.
type Locker struct {
	pool *pgxpool.Pool
}

// New returns a Locker that takes its connections from pool. The pool stays
// the caller's: Locker never closes it, and it may serve other work too. Its
// MaxConns must leave room for one connection per account that this process
// collects for at the same time.
func New(pool *pgxpool.Pool) *Locker { return &Locker{pool: pool} }

// Lock holds account across every process that locks it on the same
// database: it waits for this process's earlier callers (in arrival order),
// then for the advisory lock Key(account) on a connection of its own. The
// unlock it returns frees the lock and returns the connection (or drops it,
// when freeing failed: the database then frees the lock with the session);
// calling it more than once does nothing more. Lock returns ctx.Err() at
// once when ctx ends, holding nothing, and an error starting "pglock: " when
// the database cannot give the lock.
func (l *Locker) Lock(ctx context.Context, account collectssl.Account) (unlock func(), err error) {
	local, err := collectssl.ProcessLocker{}.Lock(ctx, account)
	if err != nil {
		return nil, err
	}
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		local()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pglock: connecting to the database: %w", err)
	}
	key := Key(account)

	// The wait runs without ctx, so that whatever the pool's configuration
	// says about cancelling a query, a caller whose ctx ends leaves at
	// once: closing the socket ends the wait here, and on the server ends
	// the session, its place in the queue and any lock it was just granted.
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), "SELECT pg_advisory_lock($1)", key)
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		conn.Conn().PgConn().Conn().Close()
		<-done
		drop(conn)
		local()
		return nil, ctx.Err()
	}
	if err != nil {
		drop(conn)
		local()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("pglock: pg_advisory_lock: %w", err)
	}

	return sync.OnceFunc(func() {
		defer local()
		ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
		defer cancel()
		var freed bool
		if err := conn.QueryRow(ctx, "SELECT pg_advisory_unlock($1)", key).Scan(&freed); err != nil || !freed {
			// The session is broken, or lost the lock with a restart of
			// the database: drop it, so the database frees whatever it
			// still holds.
			drop(conn)
			return
		}
		conn.Release()
	}), nil
}

// drop takes conn out of the pool and closes it: the database then ends the
// session and frees its advisory locks.
func drop(conn *pgxpool.Conn) {
	c := conn.Hijack()
	ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
	defer cancel()
	c.Close(ctx)
}
