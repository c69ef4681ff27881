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
// latency). Each metric is calls per second as a share of accounts/latency,
// what 100 perfectly parallel pollers would reach:
//
//   - ideal%: Collect against collectssltest;
//   - floor-ideal%: a bare http.Client.PostForm of the same form over the
//     same transport, against the same server;
//   - http-ideal%: that PostForm against a bare net/http TLS server whose
//     handler only sleeps the latency: what net/http reaches here;
//   - timer-ideal%: goroutines that only sleep the latency, no I/O at all:
//     what this machine's timers and scheduler reach.
//
// The four alternate iteration by iteration. cpu% is the process's CPU time
// over the wall time of the whole benchmark, as a share of all the cores
// (-1 where it cannot be read): well below 100, the cores are not the
// limit. BENCH_ACCOUNTS sets another number of accounts.
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
	bare.EnableHTTP2 = true // as collectssltest
	bare.StartTLS()
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
	sides := []struct {
		metric string
		call   func(i int)
	}{
		{"ideal%", func(i int) {
			clients[i].Collect(context.Background(), req) // -16 for all but one: a full round trip all the same
		}},
		{"floor-ideal%", func(i int) { postForm(clients[i].HTTPClient, clients[i].Endpoint, forms[i]) }},
		{"http-ideal%", func(i int) { postForm(bareClient, bare.URL, forms[i]) }},
		{"timer-ideal%", func(int) { time.Sleep(latency) }},
	}
	run := func(call func(int)) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for i := range accounts {
			wg.Go(func() {
				for range rounds {
					call(i)
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	for _, s := range sides {
		run(s.call) // connections opened, goroutine stacks grown
	}
	spent := make([]time.Duration, len(sides))
	cpu0, wall0 := processCPU(), time.Now()
	n := 0
	for it := 0; b.Loop(); it++ {
		for k := range sides {
			j := (k + it) % len(sides) // each side first in its turn
			spent[j] += run(sides[j].call)
		}
		n += accounts * rounds
	}
	ideal := float64(accounts) / latency.Seconds()
	for k, s := range sides {
		b.ReportMetric(100*float64(n)/spent[k].Seconds()/ideal, s.metric)
	}
	if cpu0 >= 0 {
		b.ReportMetric(100*float64(processCPU()-cpu0)/float64(time.Since(wall0))/float64(runtime.NumCPU()), "cpu%")
	} else {
		b.ReportMetric(-1, "cpu%")
	}
}
