// This file tests Locker against a real PostgreSQL (COLLECTSSL_PG_DSN): the
// key's derivation, that a key held by another session keeps Lock waiting
// in the database, that a waiter whose context ends leaves the database's
// queue at once, that the database frees the lock when the holding
// connection dies, and that an unreachable database fails the Collect
// without a call being sent.

package pglock_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
	"github.com/collectssl/collectssl/pglock"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// dsnEnv names the variable that points the tests at a PostgreSQL server;
// .ci/run starts a throwaway one and sets it.
const dsnEnv = "COLLECTSSL_PG_DSN"

// testDSN returns the DSN of the test database: COLLECTSSL_PG_DSN, or the
// throwaway server TestMain started where PostgreSQL's binaries exist.
// Without one the test is skipped, loudly; under CI (CI=true) it fails
// instead, so that a CI run never passes without having run these tests.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn == "" {
		msg := "PostgreSQL not available: no server binaries (initdb, pg_ctl, postgres) found, and " + dsnEnv + ` is not set: set it (e.g. "host=/tmp/pg port=5432 user=postgres dbname=postgres") to run the pglock tests`
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: not skipping)")
		}
		t.Skip("SKIPPING: " + msg)
	}
	return dsn
}

// testPool returns a pool on the test database, closed at the end of the
// test.
func testPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("PostgreSQL at %s=%q: %v", dsnEnv, os.Getenv(dsnEnv), err)
	}
	return pool
}

// testAccount returns an account of its own for each test, so that tests
// run in parallel in one database do not meet.
func testAccount(t testing.TB) collectssl.Account {
	return collectssl.Account{Server: "https://loopback:1/pglock-test", LoginName: t.Name()}
}

// lockStates counts the sessions that hold (granted) and wait for (not
// granted) key, from pg_locks.
func lockStates(t testing.TB, pool *pgxpool.Pool, key int64) (granted, waiting int) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT granted, count(*) FROM pg_locks
		WHERE locktype = 'advisory' AND objsubid = 1 AND classid::bigint = $1 AND objid::bigint = $2 GROUP BY granted`,
		int64(uint32(uint64(key)>>32)), int64(uint32(uint64(key))))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var g bool
		var n int
		if err := rows.Scan(&g, &n); err != nil {
			t.Fatal(err)
		}
		if g {
			granted = n
		} else {
			waiting = n
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return granted, waiting
}

// waitLockStates polls pg_locks until key is held by granted sessions and
// waited for by waiting ones, for at most 30 seconds.
func waitLockStates(t testing.TB, pool *pgxpool.Pool, key int64, granted, waiting int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		g, w := lockStates(t, pool, key)
		if g == granted && w == waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pg_locks: key held by %d sessions, waited for by %d; want %d and %d", g, w, granted, waiting)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// holdKey takes key on a connection of its own, as another process would,
// and returns the function that closes that connection.
func holdKey(t testing.TB, key int64) (closeConn func()) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(context.Background(), "SELECT pg_advisory_lock($1)", key); err != nil {
		t.Fatal(err)
	}
	return func() { conn.Close(context.Background()) }
}

// TestKey: the documented derivation, and distinct keys for distinct
// accounts; the same key for two spellings of one server.
func TestKey(t *testing.T) {
	a := collectssl.AccountOf("", "login")
	sum := sha256.Sum256([]byte("collectssl account lock v1\x00sectigo\x00login"))
	if got, want := pglock.Key(a), int64(binary.BigEndian.Uint64(sum[:8])); got != want {
		t.Errorf("Key(%+v) = %d, want %d", a, got, want)
	}
	if pglock.Key(a) != pglock.Key(collectssl.AccountOf("https://SECURE.comodo.net:443/products/download/CollectSSL/", "login")) {
		t.Error("two spellings of Sectigo's endpoint give two keys")
	}
	seen := map[int64]collectssl.Account{}
	for _, acc := range []collectssl.Account{
		a, collectssl.AccountOf("", "Login"), collectssl.AccountOf("https://127.0.0.1:8443/x", "login"),
		collectssl.AccountOf("https://127.0.0.1:8444/x", "login"), {Server: "sectigo\x00log", LoginName: "in"},
	} {
		k := pglock.Key(acc)
		if prev, ok := seen[k]; ok {
			t.Errorf("accounts %+v and %+v share the key %d", prev, acc, k)
		}
		seen[k] = acc
	}
}

// TestLockWaitsForOtherSession: a key another session holds keeps Lock
// waiting in the database; a waiter whose context ends leaves the queue at
// once with ctx.Err(); when the other session ends, Lock gets the key, and
// unlock frees it.
func TestLockWaitsForOtherSession(t *testing.T) {
	pool := testPool(t)
	acc := testAccount(t)
	key := pglock.Key(acc)
	other := holdKey(t, key)
	l := pglock.New(pool)

	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		unlock, err := l.Lock(ctx, acc)
		if unlock != nil {
			unlock()
		}
		cancelled <- err
	}()
	waitLockStates(t, pool, key, 1, 1)
	cancel()
	select {
	case err := <-cancelled:
		if err != context.Canceled {
			t.Fatalf("cancelled Lock() = %v, want context.Canceled itself", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a cancelled Lock did not return")
	}
	waitLockStates(t, pool, key, 1, 0) // the database's queue is empty again

	got := make(chan func(), 1)
	go func() {
		unlock, err := l.Lock(context.Background(), acc)
		if err != nil {
			t.Error(err)
		}
		got <- unlock
	}()
	waitLockStates(t, pool, key, 1, 1)
	other()
	var unlock func()
	select {
	case unlock = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("Lock never got the key after the other session ended")
	}
	if unlock == nil {
		t.FailNow()
	}
	waitLockStates(t, pool, key, 1, 0)
	unlock()
	unlock() // the second does nothing
	waitLockStates(t, pool, key, 0, 0)
}

// TestLockFreedWhenConnectionDies: the database frees the key of a session
// that ends without unlocking (its backend terminated here, as a crashed
// process's would be); the unlock that follows drops the broken connection
// and the next Lock works.
func TestLockFreedWhenConnectionDies(t *testing.T) {
	pool := testPool(t)
	acc := testAccount(t)
	key := pglock.Key(acc)
	l := pglock.New(pool)
	unlock, err := l.Lock(context.Background(), acc)
	if err != nil {
		t.Fatal(err)
	}
	waitLockStates(t, pool, key, 1, 0)
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND objsubid = 1 AND classid::bigint = $1 AND objid::bigint = $2 AND granted`,
		int64(uint32(uint64(key)>>32)), int64(uint32(uint64(key)))).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminating the holder: %d sessions, %v", n, err)
	}
	waitLockStates(t, pool, key, 0, 0)
	other := holdKey(t, key) // another process can take it now
	other()
	unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	unlock, err = l.Lock(ctx, acc)
	if err != nil {
		t.Fatalf("Lock after the connection died: %v", err)
	}
	unlock()
	waitLockStates(t, pool, key, 0, 0)
}

// TestCollectWithoutDatabase: when the database cannot be reached, Collect
// fails with ErrAccountLock and sends nothing. It needs no PostgreSQL.
func TestCollectWithoutDatabase(t *testing.T) {
	srv := collectssltest.NewServer()
	defer srv.Close()
	o := srv.AddOrder(collectssltest.Order{State: collectssltest.StateIssued})
	pool, err := pgxpool.New(context.Background(), "host="+t.TempDir()+" port=5432 user=nobody dbname=none connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	c := srv.Client()
	c.Locker = pglock.New(pool)
	_, err = c.Collect(context.Background(), &collectssl.Request{OrderNumber: o.OrderNumber})
	if !errors.Is(err, collectssl.ErrAccountLock) || !strings.Contains(err.Error(), "pglock: ") {
		t.Fatalf("Collect() = %v, want an ErrAccountLock from pglock", err)
	}
	if strings.Contains(err.Error(), c.Credentials.LoginPassword) {
		t.Errorf("error %q contains the password", err)
	}
	if n := srv.CallCount(); n != 0 {
		t.Errorf("server saw %d calls, want 0: no call without the lock", n)
	}
}
