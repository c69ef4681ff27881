// This file holds BenchmarkManyAccounts, the throughput of many accounts
// polling at once, beside the floors that show where the rest goes.

package collectssl_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
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
//     handler only sleeps the latency, over HTTP/1.1 as collectssltest
//     serves it: what net/http reaches here;
//   - timer-ideal%: goroutines that only sleep the latency, no I/O at all:
//     what this machine's timers and scheduler reach.
//
// The four alternate iteration by iteration, in two sub-benchmarks:
//
//   - lockstep: every account starts at once, so the answers of a round
//     all fall due together and the cores work through them one after
//     another: the burst lasts accounts × (CPU per call) / cores, the CPU
//     per call (cpu-us/call, client and server together) measured on the
//     same side. model-ideal% is what that predicts: an account waits, on
//     average, the timers' latency and half the burst;
//   - staggered: the accounts start spread over one latency, as pollers
//     started at different times do.
//
// In both, each account's rate is its calls over its own time, and the
// metric the sum of the rates.
//
// cpu% is the process's CPU time over the wall time, as a share of all the
// cores (-1 where it cannot be read). BENCH_ACCOUNTS sets another number of
// accounts.
//
//	go test -run '^$' -bench ManyAccounts -benchtime 8x -count 4 .
func BenchmarkManyAccounts(b *testing.B) {
	accounts, latency, rounds := 100, 20*time.Millisecond, 10
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
	// The sides: ours first, the timers' last; the model reads those two.
	const oursSide, timerSide = 0, 3
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
			perCall := float64(cpu[oursSide]) / calls // ns
			if mode.spread == 0 {
				// A call: the timers' latency (latency at timer-ideal%),
				// then its place in the burst, half of it on average.
				timerLatency := float64(latency) * ideal * float64(n) / rate[timerSide]
				burst := float64(accounts) * perCall / float64(runtime.NumCPU())
				b.ReportMetric(100*float64(latency)/(timerLatency+burst/2), "model-ideal%")
			}
		})
	}
}
