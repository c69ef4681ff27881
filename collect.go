// Package collectssl is a client for Sectigo's CollectSSL API: the call that
// fetches the status and the issued certificates of an order.
//
// A Request names the order and how the answer should look; Request.Form
// turns it into the exact POST the API expects, refusing invalid combinations
// before anything is sent. ParseResponse reads either response format (and a
// bare binary container) into one typed Result; DecodeCertificates reads every
// certificate container the API can hand back; NewBundle orders certificates
// into leaf, intermediates and root and writes the files servers want.
//
// # Limits
//
// Every input from the network or a file is bounded, and every error from
// exceeding a limit matches ErrTooLarge. Real answers are 2 to 20 KiB and
// carry 2 to 4 certificates; each limit leaves ample room above that.
//
// Client.Collect reads at most Client.MaxResponseBytes of a response body
// (DefaultMaxResponseBytes, 4 MiB), refusing a longer declared
// Content-Length before reading anything, and takes at most Client.Timeout
// (DefaultTimeout, 2 minutes) from the moment its call leaves the account's
// queue, every attempt, retry and backoff included. Errors and log lines
// quote at most 256 bytes of a server's message.
//
// ParseResponse, ParseLines and ParseURLEncoded: a body of 4 MiB at most
// (a *ParseError that also matches ErrTooLarge); 131,072 lines in
// responseFormat=0, 4,096 fields in responseFormat=1; 32 certificates per
// answer; 100 signature checks to tell the end-entity certificate from the
// CAs (only a version 1 or 2 certificate, which has no basic constraints,
// needs any).
//
// NewBundle: 64 certificates (before duplicates are removed); a chain of 8;
// 100 signature checks; 4096 candidate paths.
//
// DecodeCertificates (and everything that decodes a certificate container):
//   - input: 4 MiB (a real answer is 2 to 20 KiB); a declared BER length
//     may not exceed it either;
//   - decoded text: 4 MiB from one base64 or UTF-16 decoding step;
//   - nesting: 16 levels of BER elements (a certificate in a PKCS#7 sits at
//     level 5);
//   - certificates: 512 per container;
//   - ZIP archives: 256 entries; 1 MiB per entry, as declared and as
//     actually inflated; 8 MiB inflated from one archive in total (an entry
//     of PEM text, decoded as it inflates, that turns out to need the whole
//     read is inflated again: at most twice that work). ZIP archives do not
//     nest, and nothing in them is ever written to disk.
//
// # Errors
//
// Every error type and sentinel is in errors.go. A negative status code is a
// *StatusError: its Code says which, and errors.Is matches ErrRejected,
// ErrRevoked, ErrAwaitingPayment and ErrPermissionDenied for the four codes
// that speak of the order. A body that is not a valid response is a
// *ParseError (matches ErrMalformedResponse); an input over a limit matches
// ErrTooLarge; a request that breaks a rule of the specification is a
// *RequestError (matches ErrInvalidRequest) and is never sent; a failure
// below the protocol is a *TransportError; a container that cannot be decoded
// is a *ContainerError (ErrMalformedContainer); certificates without exactly
// one leaf give a *BundleError (ErrNoLeaf, ErrSeveralLeaves); a Locker that
// could not hold the account gives an error matching ErrAccountLock. Every error
// string of this package starts with "collectssl: ", once; the one error that
// is not the package's is a context that ended, which comes back as ctx.Err()
// itself. No error, log line or Result of Client.Collect contains the account
// password, even when the server echoes it.
package collectssl

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/collectssl/collectssl/internal/endpoints"
)

// modulePath is this module's path, by which its version is found in the
// build information of the binary that uses it.
const modulePath = "github.com/collectssl/collectssl"

// libraryVersion is the version of this module the binary was built with,
// for the User-Agent header: read once from the build information.
var libraryVersion = sync.OnceValue(func() string { return moduleVersion(debug.ReadBuildInfo()) })

// userAgent is the User-Agent header of the Client's requests.
func (c *Client) userAgent() string {
	if c.UserAgent == "" {
		return defaultUserAgent()
	}
	return strings.TrimSpace(c.UserAgent + " " + defaultUserAgent())
}

// defaultUserAgent is the User-Agent of a Client without UserAgent:
// "collectssl-go/<version>", built once.
var defaultUserAgent = sync.OnceValue(func() string { return "collectssl-go/" + libraryVersion() })

// moduleVersion finds this module in bi: a dependency of the main module,
// or the main module itself (the command, built from this repository). It
// returns "devel" when the build records no version ("(devel)", a test, no
// build information).
func moduleVersion(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "devel"
	}
	v := ""
	if bi.Main.Path == modulePath {
		v = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath {
			v = d.Version
			if d.Replace != nil {
				v = d.Replace.Version // "" for a directory
			}
		}
	}
	if v == "" || v == "(devel)" {
		return "devel"
	}
	return v
}

// Defaults for the Client's knobs. Each applies when the field is zero.
const (
	// DefaultMaxResponseBytes bounds the body Collect reads. Real responses
	// are 2 to 20 KiB; 4 MiB leaves room for any chain while keeping a
	// hostile or broken server from filling memory.
	DefaultMaxResponseBytes = 4 << 20

	// DefaultPollInterval is Wait's first interval when it is given none.
	DefaultPollInterval = 30 * time.Second
	// DefaultMaxPollInterval caps Wait's backoff: issuance takes minutes to
	// days, and polling slower than every 15 minutes helps nobody.
	DefaultMaxPollInterval = 15 * time.Minute

	// DefaultTimeout bounds one Collect call to the server, every attempt,
	// retry and backoff included, when Client.Timeout is 0.
	DefaultTimeout = 2 * time.Minute

	defaultRetryAttempts  = 3
	defaultRetryBaseDelay = 500 * time.Millisecond
	defaultRetryMaxDelay  = 8 * time.Second
)

// Timeouts of the HTTP client used when Client.HTTPClient is nil.
const (
	dialTimeout           = 15 * time.Second
	tlsHandshakeTimeout   = 15 * time.Second
	responseHeaderTimeout = 60 * time.Second
	overallTimeout        = DefaultTimeout
	idleConnTimeout       = 90 * time.Second

	// maxDrainBytes is how much of an HTTP error page is read (and dropped)
	// so that its connection can be reused.
	maxDrainBytes = 4 << 10

	// maxIdleConnsPerHost is how many idle connections to one endpoint the
	// shared transport keeps: one per account polling in parallel (each has
	// one call in flight at most), for fleets of up to this many accounts,
	// so that polling does not pay a TLS handshake per call.
	maxIdleConnsPerHost = 128
)

// Client calls the CollectSSL API for one account. Its zero value (with
// Credentials set) works; set fields before the first call and do not change
// them after. A Client is safe for concurrent use.
//
// The API asks for one call in flight per account. Client enforces that
// through its Locker, by default for every Client of the same account and
// server in the process (ProcessLocker): callers from many goroutines queue
// in arrival order, and a caller whose context ends while queued leaves the
// queue at once with ctx.Err(). A caller whose context ends while its request
// is in flight returns at once too, and the next caller goes ahead: the
// server may still be finishing the abandoned request. Several processes that
// share an account need a Locker they share too, such as package pglock's.
type Client struct {
	Credentials Credentials

	// Locker holds the account while a call is in flight; nil means
	// ProcessLocker, which keeps the Clients of this process apart. It is
	// handed the Account (server and login name, never the password). Each
	// attempt, retry and backoff of a Collect happens under one Lock.
	Locker Locker

	// Endpoint is the CollectSSL URL; "" means DefaultEndpoint. It must be
	// https unless its host is a loopback address (for tests).
	Endpoint string

	// HTTPClient optionally specifies the HTTP client to use instead of the
	// package's shared one (see NewHTTPClient: timeouts on connecting, the TLS
	// handshake and the response header, keep-alive connections; never
	// http.DefaultClient, which has no timeout). Every Client whose
	// HTTPClient is nil shares that one client and its connections. Collect
	// works on a copy: redirects are never followed, because the form
	// carries the password.
	HTTPClient *http.Client

	// Timeout bounds each Collect from the moment its call leaves the
	// account's queue: every attempt, retry and backoff included; 0 means
	// DefaultTimeout. (The shared HTTP client also bounds each attempt to
	// DefaultTimeout: a longer Timeout allows more retries, not a longer
	// attempt.) When it runs out, Collect fails with a *TransportError
	// that matches context.DeadlineExceeded. A context that ends sooner wins,
	// and gives ctx.Err() itself.
	Timeout time.Duration

	// UserAgent is prepended to "collectssl-go/<version>" in the User-Agent
	// header.
	UserAgent string

	// MaxResponseBytes bounds the response body; 0 means
	// DefaultMaxResponseBytes, which is also the most the parsers accept, so
	// larger values act as the default. A longer body fails with ErrTooLarge.
	MaxResponseBytes int64

	// Retry says how transport failures are retried; the zero value retries
	// up to 3 attempts in all. Set Retry.MaxAttempts to 1 to turn retries off.
	Retry RetryPolicy

	// MaxPollInterval caps Wait's backoff; 0 means DefaultMaxPollInterval.
	MaxPollInterval time.Duration

	// Logger, if not nil, receives one debug line per call: the order
	// identifier, status, duration, bytes and attempts. Never the password or
	// the certificates.
	Logger *slog.Logger

	// Capture, if not nil, is handed every answer Collect reads (HTTP 200
	// and a body, whatever the body says), before it is parsed: to keep
	// answers as files (Capture.MarshalText), for tests, replays and fuzz
	// seeds. The Capture never holds the password (scrubbed from the body
	// too, should the server echo it), and holds the login name only when
	// CaptureLoginName is set. It is called on the calling goroutine.
	Capture          func(*Capture)
	CaptureLoginName bool
}

// RetryPolicy is how Collect retries what is safe to retry: transport errors
// (the connection failed, was reset or cut the body short, or the body was
// empty), HTTP 5xx answers and HTTP 429 (too many requests). CollectSSL is a
// read, so these are safe to send again; nothing that the server answered
// with a status code, nothing that failed to parse, and no TLS failure that
// a retry cannot mend (a certificate that fails verification, no protocol
// version in common, a server that does not speak TLS) is retried. Delays
// grow exponentially from BaseDelay to MaxDelay with full jitter; a
// Retry-After header (seconds or an HTTP date) on a 429 or 5xx answer is
// honoured instead when it asks for longer, provided it fits in what is left
// of the Client's Timeout (otherwise Collect gives up at once, and the
// *TransportError carries RetryAfter).
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, including the first; 0 means 3; 1 turns retries off
	BaseDelay   time.Duration // 0 means 500ms
	MaxDelay    time.Duration // 0 means 8s
}

func (p RetryPolicy) attempts() int {
	if p.MaxAttempts <= 0 {
		return defaultRetryAttempts
	}
	return p.MaxAttempts
}

// delay returns the jittered pause before retry number n (1-based).
func (p RetryPolicy) delay(n int) time.Duration {
	base, maxDelay := p.BaseDelay, p.MaxDelay
	if base <= 0 {
		base = defaultRetryBaseDelay
	}
	if maxDelay <= 0 {
		maxDelay = defaultRetryMaxDelay
	}
	d := base
	for i := 1; i < n && d <= maxDelay/2; i++ {
		d *= 2 // cannot overflow: d <= maxDelay/2
	}
	d = min(d, maxDelay)
	return time.Duration(rand.Int64N(int64(d)) + 1) // full jitter: (0, d]
}

// Collect sends req for the Client's account and parses the answer. The error
// is ctx.Err() when the context ended, an ErrInvalidRequest or
// ErrInvalidEndpoint error before anything is sent, a *TransportError, an ErrTooLarge error, a *StatusError
// (the API said no) or a *ParseError.
func (c *Client) Collect(ctx context.Context, req *Request) (*Result, error) {
	start := time.Now()
	form, err := req.encodedForm(c.Credentials)
	if err != nil {
		return nil, err
	}
	ep, err := c.endpoint()
	if err != nil {
		return nil, err
	}
	endpoint := ep.raw
	account := Account{Server: ep.server, LoginName: c.Credentials.LoginName}
	contentType, body, attempts, timedOut, err := c.postLocked(ctx, account, endpoint, form)
	secret := secretForms(c.Credentials.LoginPassword)
	if err == nil {
		body = scrubBody(body, secret)
		if c.Capture != nil {
			c.Capture(c.capture(endpoint, req, contentType, body))
		}
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		err = ctx.Err() // the caller's context ended: that, unadorned
	case timedOut:
		err = c.timeoutError(err, attempts)
	}
	var res *Result
	if err == nil {
		res, err = ParseResponse(req, contentType, body)
	}
	// A server may echo the password: it reaches no error, log line or
	// Result. The body was scrubbed before anything read it; what a charset
	// decoded into the password is scrubbed here.
	res = scrubResult(res, secret)
	if err != ctx.Err() { // a context's own error stays itself
		err = scrubError(err, secret)
	}
	c.log(ctx, req, res, err, time.Since(start), len(body), attempts)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Wait polls with Collect while the order is being processed (status 0),
// starting at interval (DefaultPollInterval if <= 0) and doubling up to
// MaxPollInterval, and returns the first Result whose status is not 0. A
// negative status ends the wait with its *StatusError. An HTTP 429 that
// Collect could not retry does not: Wait pauses for its Retry-After (at
// least the interval, at most MaxPollInterval) and polls again. Other
// errors end the wait (Collect has already retried what is safe to retry).
// The wait ends with ctx.Err() when the context does.
func (c *Client) Wait(ctx context.Context, req *Request, interval time.Duration) (*Result, error) {
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	maxInterval := c.MaxPollInterval
	if maxInterval <= 0 {
		maxInterval = DefaultMaxPollInterval
	}
	maxInterval = max(maxInterval, interval)
	for {
		res, err := c.Collect(ctx, req)
		pause := interval
		var te *TransportError
		switch {
		case errors.As(err, &te) && te.StatusCode == http.StatusTooManyRequests:
			// Told to slow down: wait as long as the server asks, at
			// least the interval and at most MaxPollInterval, and poll
			// again.
			pause = min(max(pause, te.RetryAfter), maxInterval)
		case err != nil || res.Status != StatusProcessing:
			return res, err
		}
		if err := sleep(ctx, pause); err != nil {
			return nil, err
		}
		interval = min(interval, maxInterval/2) * 2 // doubles, capped, and cannot overflow
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// endpoint is Endpoint resolved and checked, with the server part of its
// Account.
func (c *Client) endpoint() (*endpointInfo, error) {
	raw := c.Endpoint
	if raw == "" {
		raw = DefaultEndpoint
	}
	if e := lastEndpoint.Load(); e != nil && e.raw == raw {
		return e, e.err
	}
	e := &endpointInfo{raw: raw, server: serverKey(raw)}
	if err := endpoints.Check(raw); err != nil {
		e.err = fmt.Errorf("%w: %v", ErrInvalidEndpoint, err)
	}
	if !strings.Contains(raw, "@") { // user information stays out of package state
		lastEndpoint.Store(e)
	}
	return e, e.err
}

// endpointInfo is what a call needs of its endpoint, worked out once.
type endpointInfo struct {
	raw    string
	server string // Account.Server
	err    error  // why raw may not be used, or nil
}

// lastEndpoint holds the last endpoint a Client checked, which saves
// parsing it twice a call for a process that talks to one endpoint (with
// several in turn, each call checks its own again).
var lastEndpoint atomic.Pointer[endpointInfo]

// sharedHTTPClient is the HTTP client of every Client whose HTTPClient is
// nil: one transport, one pool of connections, however many Clients.
var sharedHTTPClient = sync.OnceValue(func() *http.Client { return NewHTTPClient(nil) })

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		hc := *c.HTTPClient
		hc.CheckRedirect = refuseRedirect
		return &hc
	}
	return sharedHTTPClient()
}

// CloseIdleConnections closes the idle keep-alive connections of the
// Client's HTTP client (the shared one when HTTPClient is nil), as
// http.Client.CloseIdleConnections does. Connections in use are left alone.
func (c *Client) CloseIdleConnections() { c.httpClient().CloseIdleConnections() }

// capture makes the Capture of one answer, whose body Collect scrubbed of
// the password: the form without the password (and without the login name
// unless asked).
func (c *Client) capture(endpoint string, req *Request, contentType string, body []byte) *Capture {
	sent := url.Values{}
	req.params(c.Credentials, func(k, v string) { sent.Set(k, v) })
	sent.Del("loginPassword")
	if !c.CaptureLoginName {
		sent.Del("loginName")
	}
	return &Capture{Time: time.Now().UTC(), Endpoint: endpoint, Form: sent, HTTPStatus: http.StatusOK, ContentType: contentType, Body: bytes.Clone(body)}
}

// timeout is Timeout resolved.
func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// NewHTTPClient returns an HTTP client like the one Clients share when their
// HTTPClient is nil: timeouts on connecting, the TLS handshake, the response
// header and each request, keep-alive connections, the proxy from the
// environment, and no redirects. tlsConfig, if not nil, replaces the default
// TLS configuration (to trust a private CA, for example). Each call makes a
// new transport: share the result among Clients rather than make one each.
func NewHTTPClient(tlsConfig *tls.Config) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       tlsConfig,
			TLSHandshakeTimeout:   tlsHandshakeTimeout,
			ResponseHeaderTimeout: responseHeaderTimeout,
			IdleConnTimeout:       idleConnTimeout,
			MaxIdleConnsPerHost:   maxIdleConnsPerHost,
			ForceAttemptHTTP2:     true,
		},
		Timeout:       overallTimeout,
		CheckRedirect: refuseRedirect,
	}
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// maxBytes is MaxResponseBytes resolved: the default for 0, and never more
// than the parsers accept (which also keeps limit+1 from overflowing).
func (c *Client) maxBytes() int64 {
	if c.MaxResponseBytes > 0 {
		return min(c.MaxResponseBytes, maxResponseBytes)
	}
	return DefaultMaxResponseBytes
}

// locker is Locker resolved.
func (c *Client) locker() Locker {
	if c.Locker != nil {
		return c.Locker
	}
	return ProcessLocker{}
}

// postLocked is postWithRetry while holding the account's lock, released
// however the call ends (a RoundTripper may panic), and bounded by the
// Client's Timeout; timedOut reports whether that Timeout ran out.
func (c *Client) postLocked(ctx context.Context, account Account, endpoint, form string) (contentType string, body []byte, attempts int, timedOut bool, err error) {
	unlock, err := c.locker().Lock(ctx, account)
	switch {
	case ctx.Err() != nil:
		if err == nil && unlock != nil {
			unlock() // held just as the context ended: pass it on
		}
		return "", nil, 0, false, ctx.Err()
	case err != nil:
		return "", nil, 0, false, fmt.Errorf("%w: %w", ErrAccountLock, err)
	}
	if unlock != nil {
		defer unlock()
	}
	callCtx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	contentType, body, attempts, err = c.postWithRetry(callCtx, endpoint, form)
	return contentType, body, attempts, err != nil && callCtx.Err() != nil && ctx.Err() == nil, err
}

// bodyPrealloc bounds the buffer made for a body on the word of its
// declared length (see readAtMost).
const bodyPrealloc = 256 << 10

// timeoutError is the error of a call whose Timeout ran out: a
// *TransportError that matches context.DeadlineExceeded and says what the
// last attempt got.
func (c *Client) timeoutError(last error, attempts int) error {
	te := &TransportError{Attempts: attempts}
	var prev *TransportError
	if errors.As(last, &prev) {
		te.StatusCode, te.RetryAfter, last = prev.StatusCode, prev.RetryAfter, prev.Err
	}
	if errors.Is(last, context.DeadlineExceeded) {
		te.Err = fmt.Errorf("no answer within the Client's timeout of %v: %w", c.timeout(), last)
	} else {
		te.Err = fmt.Errorf("no answer within the Client's timeout of %v (last: %w): %w", c.timeout(), last, context.DeadlineExceeded)
	}
	return te
}

// postWithRetry posts the form, retrying what RetryPolicy allows. It returns
// the body only after it was read whole and within the size limit.
func (c *Client) postWithRetry(ctx context.Context, endpoint, encoded string) (contentType string, body []byte, attempts int, err error) {
	hc := c.httpClient()
	for attempts = 1; ; attempts++ {
		var retry bool
		contentType, body, retry, err = c.post(ctx, hc, endpoint, encoded)
		if err == nil || !retry || attempts >= c.Retry.attempts() {
			break
		}
		pause := c.Retry.delay(attempts)
		var te *TransportError
		if errors.As(err, &te) && te.RetryAfter > pause {
			pause = te.RetryAfter
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < pause {
				break // the server asks for more time than is left
			}
		}
		if sleep(ctx, pause) != nil {
			break // the context ended: the caller reports it, or the last failure
		}
	}
	if err != nil {
		// te here, not above: its address escapes, so it is allocated
		// where it is declared, and a call that succeeded needs none.
		var te *TransportError
		if errors.As(err, &te) {
			te.Attempts = attempts
		}
	}
	return contentType, body, attempts, err
}

// post makes one attempt. retry reports whether the failure is one
// RetryPolicy may retry.
func (c *Client) post(ctx context.Context, hc *http.Client, endpoint, encoded string) (contentType string, body []byte, retry bool, err error) {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(encoded))
	if err != nil {
		return "", nil, false, &TransportError{Err: err}
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hreq.Header.Set("User-Agent", c.userAgent())
	resp, err := hc.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return "", nil, false, ctx.Err()
		}
		return "", nil, retryable(err), &TransportError{Err: err}
	}
	defer resp.Body.Close()
	contentType = resp.Header.Get("Content-Type")
	if resp.StatusCode != http.StatusOK {
		// Read a little of the error page so the connection can be reused.
		io.CopyN(io.Discard, resp.Body, maxDrainBytes)
		return "", nil, resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests, &TransportError{
			StatusCode: resp.StatusCode,
			RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Err:        fmt.Errorf("%w %d %s", ErrHTTPStatus, resp.StatusCode, http.StatusText(resp.StatusCode)),
		}
	}
	limit := c.maxBytes()
	if resp.ContentLength > limit {
		return "", nil, false, fmt.Errorf("%w: response body of %d bytes, more than %d", ErrTooLarge, resp.ContentLength, limit)
	}
	// A body short of its declared length: net/http's reader fails with
	// io.ErrUnexpectedEOF.
	body, err = readAtMost(resp.Body, resp.ContentLength, limit, bodyPrealloc)
	switch {
	case ctx.Err() != nil:
		return "", nil, false, ctx.Err()
	case err != nil:
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = ErrTruncatedBody
		}
		return "", nil, true, &TransportError{StatusCode: resp.StatusCode, Err: fmt.Errorf("reading the body: %w", err)}
	case int64(len(body)) > limit:
		return "", nil, false, fmt.Errorf("%w: response body over %d bytes", ErrTooLarge, limit)
	case len(body) == 0:
		return "", nil, true, &TransportError{StatusCode: resp.StatusCode, Err: ErrEmptyBody}
	case looksLikeHTML(body):
		return "", nil, false, &TransportError{StatusCode: resp.StatusCode, Err: ErrNotCollectSSL}
	}
	return contentType, body, false, nil
}

// looksLikeHTML reports an HTML page: CollectSSL never sends one, proxies and
// captive portals do. It goes by content only: the Content-Type of a
// CollectSSL answer is whatever responseMimeType asked for.
func looksLikeHTML(body []byte) bool {
	body = bytes.TrimLeft(bytes.TrimPrefix(body, utf8BOM), " \t\r\n")
	return bytes.HasPrefix(body, []byte("<"))
}

// retryAfter reads a Retry-After header: a number of seconds or an HTTP
// date, as of now. It returns 0 when there is none, or none that parses, or
// the date has passed.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(h, 10, 32); err == nil {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryable reports whether a failed round trip may be tried again: not when
// the TLS handshake failed in a way no retry mends: the server's certificate
// failed verification, the two sides share no protocol version, or the
// server does not speak TLS at all.
func retryable(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verification     *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verification) || errors.As(err, &recordHeader) {
		return false
	}
	// crypto/tls has no type for a protocol version mismatch, on either
	// side: the alert it sends, or receives, says so in words.
	msg := err.Error()
	return !strings.Contains(msg, "protocol version not supported") && !strings.Contains(msg, "unsupported protocol version") &&
		!strings.Contains(msg, "no supported versions satisfy")
}

func (c *Client) log(ctx context.Context, req *Request, res *Result, err error, d time.Duration, n, attempts int) {
	if c.Logger == nil || !c.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("orderNumber", req.OrderNumber),
		slog.String("certificateID", req.CertificateID),
		slog.String("baseOrderNumber", req.BaseOrderNumber),
		slog.Duration("duration", d),
		slog.Int("bytes", n),
		slog.Int("attempts", attempts),
	}
	var se *StatusError
	switch {
	case res != nil:
		attrs = append(attrs, slog.Int("status", int(res.Status)))
	case errors.As(err, &se):
		attrs = append(attrs, slog.Int("status", int(se.Code)))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.Logger.LogAttrs(ctx, slog.LevelDebug, "collectssl call", attrs...)
}
