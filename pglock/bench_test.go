// This file holds the benchmark of what the lock costs per call, against a
// bare round trip to the same database.

package pglock_test

import (
	"context"
	"testing"
	"time"

	"github.com/collectssl/collectssl/pglock"
)

// BenchmarkLockCost measures what pglock adds to each call, Lock and unlock
// of an uncontended account, against a bare round trip to the same database
// on the same pool (`SELECT 1`). The two alternate, so that both see the
// same load on the machine; it reports each one's time per operation
// (lock-ns/op, select1-ns/op) and their ratio (x-select1):
//
//	go test -run '^$' -bench LockCost -benchtime 5000x
func BenchmarkLockCost(b *testing.B) {
	pool := testPool(b)
	ctx := context.Background()
	l := pglock.New(pool)
	acc := testAccount(b)
	var lockTime, selectTime time.Duration
	for range b.N {
		t0 := time.Now()
		var one int
		if err := pool.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			b.Fatalf("SELECT 1 = %d, %v", one, err)
		}
		t1 := time.Now()
		unlock, err := l.Lock(ctx, acc)
		if err != nil {
			b.Fatal(err)
		}
		unlock()
		t2 := time.Now()
		selectTime += t1.Sub(t0)
		lockTime += t2.Sub(t1)
	}
	b.ReportMetric(float64(lockTime.Nanoseconds())/float64(b.N), "lock-ns/op")
	b.ReportMetric(float64(selectTime.Nanoseconds())/float64(b.N), "select1-ns/op")
	b.ReportMetric(float64(lockTime)/float64(selectTime), "x-select1")
}
