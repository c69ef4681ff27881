// This file holds the soak tests: several processes (this test binary run
// again as a worker), each with many goroutines, collecting for one account
// against one `collectssl serve` process, then reading the server's overlap
// counter through its control API. With pglock the count is zero; with only
// the in-process lock it is not, so the test can tell. And a process killed
// (SIGKILL) while it holds the lock does not stop the others.

package pglock_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/pglock"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The soak's size: processes × goroutines × calls per goroutine calls in
// all, each held 2ms in the server (a delay fault), so that calls that are
// not kept apart do overlap.
const (
	soakProcesses  = 4
	soakGoroutines = 25
	soakCalls      = 4
	soakDelayMs    = 2
)

// workerEnv, when set, makes this test binary a soak worker (see
// runWorker) instead of running the tests; the other worker* variables
// configure it.
const (
	workerEnv      = "PGLOCK_SOAK_WORKER" // "pglock", "process" (ProcessLocker only) or "hold"
	workerEndpoint = "PGLOCK_SOAK_ENDPOINT"
	workerCAFile   = "PGLOCK_SOAK_CA_FILE"
	workerLogin    = "PGLOCK_SOAK_LOGIN"
	workerPassword = "PGLOCK_SOAK_PASSWORD" // the fake server's test password
	workerOrder    = "PGLOCK_SOAK_ORDER"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(workerEnv); mode != "" {
		if err := runWorker(mode); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	stop, err := startPostgres()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pglock tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

// postgresScript starts and stops a throwaway PostgreSQL; .ci/run uses it
// too.
const postgresScript = "../.ci/postgres.sh"

// startPostgres starts a throwaway PostgreSQL with postgresScript when
// COLLECTSSL_PG_DSN is unset and the server's binaries are there, and sets
// COLLECTSSL_PG_DSN for the tests (and the workers they start). Without the
// binaries (or outside the repository) it does nothing, and the tests that
// need a database skip, saying so; with binaries that fail to start, it
// fails.
func startPostgres() (stop func(), err error) {
	nothing := func() {}
	if os.Getenv(dsnEnv) != "" {
		return nothing, nil
	}
	if _, err := os.Stat(postgresScript); err != nil {
		return nothing, nil
	}
	if exec.Command("bash", "-c", ". "+postgresScript+" && find_pg_bindir").Run() != nil {
		return nothing, nil // no PostgreSQL here: testDSN skips or, under CI, fails
	}
	out, err := exec.Command("bash", "-c", `. `+postgresScript+` && { start_postgres >&2 || { stop_postgres; exit 1; }; } && printf '%s\n%s\n%s\n' "$COLLECTSSL_PG_DSN" "$PG_TMP" "$PG_BIN"`).Output()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err != nil || len(lines) != 3 {
		return nil, fmt.Errorf("PostgreSQL binaries found, but %s could not start a server: %v", postgresScript, err)
	}
	os.Setenv(dsnEnv, lines[0])
	fmt.Fprintf(os.Stderr, "pglock tests: started a throwaway PostgreSQL in %s (set %s to use another)\n", lines[1], dsnEnv)
	return func() {
		os.Unsetenv(dsnEnv)
		stop := exec.Command("bash", "-c", `. `+postgresScript+` && PG_TMP="$1" PG_BIN="$2" && stop_postgres`, "stop", lines[1], lines[2])
		stop.Stdout, stop.Stderr = os.Stderr, os.Stderr
		if err := stop.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "pglock tests: stopping PostgreSQL in %s: %v\n", lines[1], err)
		}
	}, nil
}

// runWorker is one soak process. It prints "ready" and waits for a line on
// stdin, so that every worker starts at once; then, in mode "pglock" or
// "process", it collects soakCalls times from each of soakGoroutines
// goroutines and prints "done N" (N: the calls that succeeded); in mode
// "hold" it takes the account's pglock, prints "locked" and waits to be
// killed.
func runWorker(mode string) error {
	caPEM, err := os.ReadFile(os.Getenv(workerCAFile))
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("no CA certificate in %s", os.Getenv(workerCAFile))
	}
	c := &collectssl.Client{
		Credentials: collectssl.Credentials{LoginName: os.Getenv(workerLogin), LoginPassword: os.Getenv(workerPassword)},
		Endpoint:    os.Getenv(workerEndpoint),
		HTTPClient:  collectssl.NewHTTPClient(&tls.Config{RootCAs: roots}),
	}
	ctx := context.Background()
	if mode != "process" {
		pool, err := pgxpool.New(ctx, os.Getenv(dsnEnv))
		if err != nil {
			return err
		}
		defer pool.Close()
		c.Locker = pglock.New(pool)
	}
	if mode == "hold" {
		if _, err := c.Locker.Lock(ctx, collectssl.AccountOf(c.Endpoint, c.Credentials.LoginName)); err != nil {
			return err
		}
		fmt.Println("locked")
		select {} // until killed
	}
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return fmt.Errorf("waiting for the start: %w", err)
	}
	req := &collectssl.Request{OrderNumber: os.Getenv(workerOrder)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range soakGoroutines {
		wg.Go(func() {
			for range soakCalls {
				if _, err := c.Collect(ctx, req); err != nil {
					fmt.Fprintln(os.Stderr, "collect:", err)
					continue
				}
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	fmt.Printf("done %d\n", ok)
	return nil
}

// serveProcess is a running `collectssl serve` and its control API.
type serveProcess struct {
	endpoint, caFile, login, password, order string
	controlURL, token                        string
	hc                                       *http.Client
}

// manifest is the part of serve's -manifest the soak reads.
type manifest struct {
	Endpoint string `json:"endpoint"`
	Login    string `json:"login"`
	Password string `json:"password"`
	CAFile   string `json:"caFile"`
	Control  struct {
		URL   string `json:"url"`
		Token string `json:"token"`
	} `json:"control"`
	Orders []struct {
		OrderNumber string `json:"orderNumber"`
		State       string `json:"state"`
	} `json:"orders"`
}

// startServe builds the command from the module beside this one, starts
// `collectssl serve` and waits for its ready line. The process is
// interrupted at the end of the test.
func startServe(t *testing.T) *serveProcess {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "collectssl")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/collectssl")
	build.Dir = ".." // the root module: its own go.mod and go.sum
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/collectssl: %v\n%s", err, out)
	}
	manifestFile := filepath.Join(dir, "manifest.json")
	cmd := exec.Command(bin, "serve", "-manifest", manifestFile)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	ready := false
	for !ready && sc.Scan() {
		ready = strings.HasPrefix(sc.Text(), "collectssl serve: ready ")
	}
	if !ready {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("serve ended without a ready line; stderr:\n%s", stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	data, err := os.ReadFile(manifestFile)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	s := &serveProcess{endpoint: m.Endpoint, caFile: m.CAFile, login: m.Login, password: m.Password, controlURL: m.Control.URL, token: m.Control.Token}
	for _, o := range m.Orders {
		if o.State == "issued" {
			s.order = o.OrderNumber
			break
		}
	}
	if s.order == "" {
		t.Fatal("no issued order in the manifest")
	}
	caPEM, err := os.ReadFile(m.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	s.hc = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 30 * time.Second}
	t.Cleanup(s.hc.CloseIdleConnections)
	return s
}

// control calls the control API and decodes its JSON answer into out.
func (s *serveProcess) control(t *testing.T, method, path, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(s.controlURL, "/")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d, %v: %s", method, path, resp.StatusCode, err, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s %s: %v: %s", method, path, err, data)
	}
}

// counters are the server's meters, from GET /control/counters.
type counters struct {
	CallCount   int `json:"callCount"`
	Overlap     int `json:"overlap"`
	MaxInFlight int `json:"maxInFlight"`
	InFlight    int `json:"inFlight"`
}

// prepare resets the counters and has the server hold each of the next n
// calls soakDelayMs.
func (s *serveProcess) prepare(t *testing.T, n int) {
	t.Helper()
	var c counters
	s.control(t, "POST", "/reset", "", &c)
	s.control(t, "DELETE", "/faults", "", &map[string]int{})
	for n > 0 {
		batch := min(n, 1000)
		s.control(t, "POST", "/faults", fmt.Sprintf(`{"kind": "delay", "delayMs": %d, "count": %d}`, soakDelayMs, batch), &map[string]int{})
		n -= batch
	}
}

// settled returns the counters once no call is in flight.
func (s *serveProcess) settled(t *testing.T) counters {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var c counters
		s.control(t, "GET", "/counters", "", &c)
		if c.InFlight == 0 {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls still in the server after 30s", c.InFlight)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// worker is a running soak process.
type worker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // its stdout, line by line; closed at EOF
	stderr *strings.Builder
	mu     *sync.Mutex
}

// startWorker runs this test binary as a soak worker in mode and waits for
// its first line (want: "ready" or "locked"). The process is killed at the
// end of the test if it is still running.
func startWorker(t *testing.T, ctx context.Context, s *serveProcess, mode, want string) *worker {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+mode, workerEndpoint+"="+s.endpoint, workerCAFile+"="+s.caFile,
		workerLogin+"="+s.login, workerPassword+"="+s.password, workerOrder+"="+s.order)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w := &worker{cmd: cmd, stdin: stdin, lines: make(chan string, 16), stderr: &strings.Builder{}, mu: &sync.Mutex{}}
	cmd.Stderr = lockedWriter{w.mu, w.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			w.lines <- sc.Text()
		}
		close(w.lines)
	}()
	if got := w.next(t); got != want {
		t.Fatalf("worker %s said %q, want %q; stderr:\n%s", mode, got, want, w.errors())
	}
	return w
}

// next returns the worker's next line ("" at EOF), waiting at most a minute.
func (w *worker) next(t *testing.T) string {
	t.Helper()
	select {
	case l := <-w.lines:
		return l
	case <-time.After(time.Minute):
		t.Fatalf("no line from the worker within a minute; stderr:\n%s", w.errors())
		return ""
	}
}

func (w *worker) errors() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.String()
}

// finish waits for the worker's "done N" and its exit, and returns N.
func (w *worker) finish(t *testing.T) int {
	t.Helper()
	line := w.next(t)
	err := w.cmd.Wait()
	n, convErr := strconv.Atoi(strings.TrimPrefix(line, "done "))
	if err != nil || !strings.HasPrefix(line, "done ") || convErr != nil {
		t.Fatalf("worker: %q, exit %v; stderr:\n%s", line, err, w.errors())
	}
	return n
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// soak runs processes workers in mode at once and returns the server's
// counters once they are done; every call must have succeeded.
func soak(t *testing.T, s *serveProcess, mode string, processes int) counters {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	total := processes * soakGoroutines * soakCalls
	s.prepare(t, total)
	var workers []*worker
	for range processes {
		workers = append(workers, startWorker(t, ctx, s, mode, "ready"))
	}
	start := time.Now()
	for _, w := range workers {
		if _, err := io.WriteString(w.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	done := 0
	for _, w := range workers {
		done += w.finish(t)
	}
	c := s.settled(t)
	t.Logf("%s: %d processes × %d goroutines × %d calls in %v: server counted %d calls, overlap %d, at most %d in flight",
		mode, processes, soakGoroutines, soakCalls, time.Since(start).Round(time.Millisecond), c.CallCount, c.Overlap, c.MaxInFlight)
	if done != total || c.CallCount != total {
		t.Errorf("%s: %d calls succeeded, the server counted %d; want %d", mode, done, c.CallCount, total)
	}
	return c
}

// TestSoak: four processes of 25 goroutines each, collecting for one account
// against one `collectssl serve`: never two calls at once with pglock; with
// only the in-process lock, the server sees overlapping calls.
func TestSoak(t *testing.T) {
	testDSN(t)
	s := startServe(t)
	t.Run("ProcessLockerOnly", func(t *testing.T) {
		if c := soak(t, s, "process", soakProcesses); c.Overlap == 0 || c.MaxInFlight < 2 {
			t.Errorf("with ProcessLocker only: overlap %d, at most %d in flight; want overlapping calls (else this test cannot tell)", c.Overlap, c.MaxInFlight)
		}
	})
	t.Run("pglock", func(t *testing.T) {
		if c := soak(t, s, "pglock", soakProcesses); c.Overlap != 0 || c.MaxInFlight != 1 {
			t.Errorf("with pglock: overlap %d, at most %d in flight; want 0 and 1", c.Overlap, c.MaxInFlight)
		}
	})
}

// TestSoakHolderKilled: a process that holds the account's lock is killed
// (SIGKILL) while three others wait for it in the database; the database
// frees the lock with the dead process's connection, and the others carry
// on and finish, still one call at a time.
func TestSoakHolderKilled(t *testing.T) {
	pool := testPool(t)
	s := startServe(t)
	key := pglock.Key(collectssl.AccountOf(s.endpoint, s.login))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	const others = soakProcesses - 1
	total := others * soakGoroutines * soakCalls
	s.prepare(t, total)
	holder := startWorker(t, ctx, s, "hold", "locked")
	waitLockStates(t, pool, key, 1, 0)
	var workers []*worker
	for range others {
		workers = append(workers, startWorker(t, ctx, s, "pglock", "ready"))
	}
	for _, w := range workers {
		if _, err := io.WriteString(w.stdin, "go\n"); err != nil {
			t.Fatal(err)
		}
	}
	// Each waiting process has one session in the database's queue: its
	// other goroutines queue in the process.
	waitLockStates(t, pool, key, 1, others)
	if c := s.settled(t); c.CallCount != 0 {
		t.Fatalf("server saw %d calls while the lock was held, want 0", c.CallCount)
	}
	if err := holder.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := holder.cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("holder exited with %v, want killed", err)
	}
	done := 0
	for _, w := range workers {
		done += w.finish(t)
	}
	c := s.settled(t)
	t.Logf("holder killed: %d processes carried on, %d calls, overlap %d", others, c.CallCount, c.Overlap)
	if done != total || c.CallCount != total || c.Overlap != 0 {
		t.Errorf("after the holder was killed: %d calls succeeded, server counted %d, overlap %d; want %d, %d, 0", done, c.CallCount, c.Overlap, total, total)
	}
	waitLockStates(t, pool, key, 0, 0)
}
