// This file holds BenchmarkManyAccounts, the throughput of many accounts
// polling at once, beside the floors that show where the rest goes, and
// BenchmarkIdleRoundTrip, what a round trip costs after the process sat
// idle, beside a bare loopback echo.

package collectssl_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/collectssltest"
)

// BenchmarkManyAccounts: 100 accounts poll one server whose every answer
// takes 20 ms, each account with one call in flight at a time (the fake
// server has one account: the others are answered -16, after the same
// latency). Each ...ideal% metric is calls per second as a share of
// accounts/latency, what 100 perfectly parallel pollers would reach:
//
//   - ideal%: Collect against collectssltest;
//   - floor-ideal%: a bare http.Client.PostForm of the same form over the
//     same transport, against the same server;
//   - http-ideal%: that PostForm against a bare net/http TLS server whose
//     handler only time.Sleeps the latency, over HTTP/1.1 as collectssltest
//     serves it;
//   - timer-ideal%: goroutines that only time.Sleep the latency, no I/O at
//     all.
//
// The last two wait on Go's timers, which on Linux wake on a millisecond
// grid (see collectssltest's clock); collectssltest's waits end at their
// deadlines. The four alternate iteration by iteration, in two
// sub-benchmarks:
//
//   - lockstep: every account starts at once;
//   - staggered: the accounts start spread over one latency, as pollers
//     started at different times do.
//
// In both, each account's rate is its calls over its own time, and the
// metric the sum of the rates. cpu-us/call is the process's CPU time (client
// and server together) per call on each side but the timers'; cpu% the
// process's CPU time over the wall time, as a share of all the cores (-1
// where it cannot be read). BENCH_ACCOUNTS sets another number of accounts,
// BENCH_ROUNDS another number of calls per account and run (10): each
// account's rate includes the start of its run, where in lockstep a whole
// round falls due at once.
//
//	go test -run '^$' -bench ManyAccounts -benchtime 8x -count 6 .
func BenchmarkManyAccounts(b *testing.B) {
	accounts, latency, rounds := 100, 20*time.Millisecond, 10
	if n, err := strconv.Atoi(os.Getenv("BENCH_ROUNDS")); err == nil {
		rounds = n
	}
	if n, err := strconv.Atoi(os.Getenv("BENCH_ACCOUNTS")); err == nil {
		accounts = n
	}
	srv := collectssltest.NewServerWith(collectssltest.Options{Credentials: testCreds, Latency: latency})
	defer srv.Close()
	req := &collectssl.Request{OrderNumber: srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing}).OrderNumber}
	clients := make([]*collectssl.Client, accounts)
	forms := make([]url.Values, accounts)
	for i := range clients {
		clients[i] = srv.Client()
		clients[i].Credentials.LoginName = fmt.Sprintf("account-%03d", i)
		form, err := req.Form(clients[i].Credentials)
		if err != nil {
			b.Fatal(err)
		}
		forms[i] = form
	}
	bare := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(latency)
		io.WriteString(w, "-16\nInvalid login\n")
	}))
	bare.StartTLS() // HTTP/1.1, as collectssltest: a connection per account
	defer bare.Close()
	bareClient := bare.Client()
	bareClient.Transport.(*http.Transport).MaxIdleConnsPerHost = accounts

	postForm := func(hc *http.Client, endpoint string, form url.Values) {
		resp, err := hc.PostForm(endpoint, form)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	const timerSide = 3 // the last: no CPU per call
	sides := []struct {
		name string
		call func(i int)
	}{
		{"", func(i int) {
			clients[i].Collect(context.Background(), req) // -16 for all but one: a full round trip all the same
		}},
		{"floor-", func(i int) { postForm(clients[i].HTTPClient, clients[i].Endpoint, forms[i]) }},
		{"http-", func(i int) { postForm(bareClient, bare.URL, forms[i]) }},
		{"timer-", func(int) { time.Sleep(latency) }},
	}

	// run makes rounds calls from every account, starting account i after
	// i×spread, and returns the calls per second: the sum of the accounts'
	// own rates.
	run := func(call func(int), spread time.Duration) float64 {
		rates := make([]float64, accounts)
		var wg sync.WaitGroup
		for i := range accounts {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * spread)
				start := time.Now()
				for range rounds {
					call(i)
				}
				rates[i] = float64(rounds) / time.Since(start).Seconds()
			})
		}
		wg.Wait()
		sum := 0.0
		for _, r := range rates {
			sum += r
		}
		return sum
	}
	ideal := float64(accounts) / latency.Seconds()
	for _, mode := range []struct {
		name   string
		spread time.Duration
	}{{"lockstep", 0}, {"staggered", latency / time.Duration(accounts)}} {
		b.Run(mode.name, func(b *testing.B) {
			for _, s := range sides {
				run(s.call, mode.spread) // connections opened, goroutine stacks grown
			}
			rate := make([]float64, len(sides))
			cpu := make([]time.Duration, len(sides))
			cpu0, wall0 := processCPU(), time.Now()
			n := 0
			for it := 0; b.Loop(); it++ {
				for k := range sides {
					j := (k + it) % len(sides) // each side first in its turn
					c0 := processCPU()
					rate[j] += run(sides[j].call, mode.spread)
					cpu[j] += processCPU() - c0
				}
				n++
			}
			for k, s := range sides {
				b.ReportMetric(100*rate[k]/float64(n)/ideal, s.name+"ideal%")
			}
			if cpu0 < 0 {
				b.ReportMetric(-1, "cpu%")
				return
			}
			b.ReportMetric(100*float64(processCPU()-cpu0)/float64(time.Since(wall0))/float64(runtime.NumCPU()), "cpu%")
			calls := float64(n * accounts * rounds)
			for k, s := range sides[:timerSide] {
				b.ReportMetric(float64(cpu[k])/calls/1e3, s.name+"cpu-us/call")
			}
		})
	}
}

// BenchmarkIdleRoundTrip shows where a poller's time goes besides the
// latency: what a round trip costs when the process sat idle before it, as
// every poll's does, for idle gaps from none (back to back) to the 20 ms of
// BenchmarkManyAccounts. Each sub-benchmark times
//
//   - a Collect status query against collectssltest without latency:
//     collect-us, the median wall time, and collect-cpu-us, the process's
//     mean CPU time per call (client and server together);
//   - one byte echoed over loopback TCP, the machine's own floor: echo-us.
//
// A machine whose cores lose their warm state while idle (a virtual
// machine whose host runs others on them, say) pays for it on every idle
// round trip, in wall and CPU time alike. With the 20 ms gap, one account
// polling with a 20 ms latency reaches at most 20/(20 + the mean round
// trip) of its ideal rate: predicted-ideal%, to set beside
// BenchmarkManyAccounts with BENCH_ACCOUNTS=1.
//
//	go test -run '^$' -bench IdleRoundTrip -benchtime 100x -count 6 .
func BenchmarkIdleRoundTrip(b *testing.B) {
	const latency = 20 * time.Millisecond
	srv := collectssltest.NewServerWith(collectssltest.Options{Credentials: testCreds})
	defer srv.Close()
	c := srv.Client()
	req := &collectssl.Request{OrderNumber: srv.AddOrder(collectssltest.Order{State: collectssltest.StateProcessing}).OrderNumber}
	collect := func(b testing.TB) {
		if _, err := c.Collect(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
	echo := loopbackEcho(b)
	collect(b) // the connection opened
	echo(b)
	for _, gap := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond, latency} {
		b.Run("gap="+gap.String(), func(b *testing.B) {
			var collectWall, collectCPU, echoWall []time.Duration
			for b.Loop() {
				time.Sleep(gap)
				c0, t0 := processCPU(), time.Now()
				collect(b)
				collectWall = append(collectWall, time.Since(t0))
				collectCPU = append(collectCPU, processCPU()-c0)
				time.Sleep(gap)
				t0 = time.Now()
				echo(b)
				echoWall = append(echoWall, time.Since(t0))
			}
			us := func(d time.Duration) float64 { return float64(d) / 1e3 }
			b.ReportMetric(us(median(collectWall)), "collect-us")
			if processCPU() >= 0 { // else -1: not read on this system
				b.ReportMetric(us(mean(collectCPU)), "collect-cpu-us")
			}
			b.ReportMetric(us(median(echoWall)), "echo-us")
			if gap == latency {
				b.ReportMetric(100*float64(latency)/float64(latency+mean(collectWall)), "predicted-ideal%")
			}
		})
	}
}

// loopbackEcho returns a call that sends one byte over a loopback TCP
// connection and reads it back from an echoing goroutine (failing the
// benchmark it is given).
func loopbackEcho(b *testing.B) func(testing.TB) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		io.Copy(conn, conn)
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	buf := make([]byte, 1)
	return func(b testing.TB) {
		if _, err := conn.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(conn, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}
