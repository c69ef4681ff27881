// Package trustico is a client for Trustico's REST reseller API, through
// which Trustico resells Sectigo certificates: OAuth2 client credentials,
// JSON over POST. Its GetOrderDetails returns the issued certificate and its
// intermediates, and OrderDetails.Bundle turns them into the same
// collectssl.Bundle a CollectSSL collection gives, so the same files come out.
//
// Only part of the API is documented publicly. What this package builds on
// is marked CONFIRMED or ASSUMPTION below and beside the code that relies on
// it; the sources are the vendor overview (the Postman collection's
// description) and the readthedocs page of each method.
//
// # Confirmed
//
//   - The token: POST https://api.trustico.com/oauth2/token, a form with
//     grant_type=client_credentials, client_id and client_secret.
//   - Every method is a POST of a JSON body; a GET is error 1007.
//   - The paths of eight methods: /order/getorderdetails, getorderstatus,
//     placeorder, getbalance, reissueorder (Reissue), getproductprice,
//     resendemail, getuseragreement.
//   - The request and response fields of GetOrderDetails, GetBalance,
//     GetProductPrice, GetUserAgreement and ResendEmail; part of the request
//     fields of GetOrderStatus, PlaceOrder and Reissue.
//   - The envelope: SuccessCode 1 or 0, and an array of error strings when
//     it is 0, its key spelled Errormsg, ErrorMsg or ErrorMSG depending on
//     the page.
//   - The error codes 1001 to 1012 and 1016, the TEST-mode marker "API
//     working in test mode.", which methods work in TEST mode, the order
//     statuses and the product table (tables.go).
//
// # Assumptions
//
//   - The methods live on the token's host: Endpoint defaults to
//     https://api.trustico.com and a method's URL is Endpoint + path.
//   - The token is sent as "Authorization: Bearer <access_token>", and the
//     token answer is RFC 6749's JSON (access_token, token_type,
//     expires_in); an answer without expires_in is used until the API
//     refuses it.
//   - A refused token is HTTP 401: the Client then gets one new token and
//     retries once.
//   - The request body is one JSON object (the pages label the schemas
//     "array[object]"; a one-element array answer is read too).
//   - Where the numeric error code travels: the Client takes it from the
//     error strings (a documented code written as four digits); Error.Code
//     is 0 when none carries one.
//   - Where the TEST-mode marker appears: anywhere in the answer.
//   - The paths of the nine methods without a documentation page follow the
//     convention "/order/" + the name in lower case (MethodPath); their
//     fields are unknown, so they go through Call.
//   - What Certificate and IntermediateCAs hold (PEM, bare base64 or
//     PKCS#7: all are read) and the format of the two dates (read
//     leniently, the raw strings kept).
//
// # Limits
//
// A response body is read up to Client.MaxResponseBytes
// (DefaultMaxResponseBytes, 1 MiB; a longer declared Content-Length is
// refused before reading), a token answer up to 1 MiB (golang.org/x/oauth2's
// limit). Errors and log lines quote at most 256 bytes of the server's
// messages. Certificates are decoded under collectssl.DecodeCertificates'
// limits.
//
// # Errors
//
// Every error type and sentinel is in errors.go. SuccessCode 0 is an *Error
// (Code and Messages; errors.Is matches the sentinel of a documented code,
// ErrNotFound for 1003 and so on); an answer that is not the envelope is a
// *ResponseError (ErrMalformedResponse); a body over the limit matches
// ErrTooLarge; a failure below the API (network, token endpoint, an HTTP
// status other than 200) is an *HTTPError; an unusable Endpoint or TokenURL
// matches ErrInvalidEndpoint; a call refused before sending matches
// ErrInvalidRequest. A context that ended comes back as ctx.Err() itself.
// No error, log line or fmt verb of a Client shows the client secret or an
// access token, even when the server echoes them.
package trustico

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/collectssl/collectssl"
	"github.com/collectssl/collectssl/internal/endpoints"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Defaults for the Client's fields. Each applies when the field is zero.
const (
	// DefaultEndpoint is the base URL of the methods. ASSUMPTION: the
	// documentation gives only the paths; this is the token's host.
	DefaultEndpoint = "https://api.trustico.com"

	// DefaultTokenURL is the OAuth2 token endpoint (CONFIRMED).
	DefaultTokenURL = "https://api.trustico.com/oauth2/token"

	// DefaultMaxResponseBytes bounds a response body: an order's details
	// with its chain are a few KiB.
	DefaultMaxResponseBytes = 1 << 20

	// maxDrainBytes is how much of an HTTP error page is read so that its
	// connection can be reused.
	maxDrainBytes = 4 << 10

	// maxRenewMargin is the most before its expiry that a token is renewed.
	maxRenewMargin = time.Minute
)

// Client calls the Trustico API for one reseller account. Its zero value
// with ClientID and ClientSecret set works. Set fields before the first call
// and do not change them after. A Client is safe for concurrent use.
//
// The access token is fetched on the first call, cached, and fetched again
// shortly before it expires (a tenth of its lifetime, at most a minute,
// before) or when the API refuses it with HTTP 401; then the call is retried
// once, with the new token. Nothing else is retried: PlaceOrder and Reissue
// spend money, and an HTTP 401 is (ASSUMPTION) a call the API did not carry
// out.
//
// No fmt verb, log/slog handler or encoding/json prints ClientSecret; the
// token is never in a field fmt can reach.
type Client struct {
	ClientID     string
	ClientSecret string

	// Endpoint is the base URL of the methods; "" means DefaultEndpoint.
	// It must be https unless its host is a loopback address (for tests).
	Endpoint string

	// TokenURL is the OAuth2 token endpoint; "" means DefaultTokenURL. The
	// same rule as Endpoint applies.
	TokenURL string

	// HTTPClient optionally specifies the HTTP client to use instead of
	// one like collectssl.NewHTTPClient's (timeouts on connecting, the TLS
	// handshake, the response header and the whole request; never
	// http.DefaultClient). The Client works on a copy that never follows a
	// redirect: the token request carries the secret, every call a token.
	HTTPClient *http.Client

	// Logger, if not nil, receives one debug line per call (method,
	// duration, HTTP status, attempts, error code, TEST mode) and per token
	// request; never the secret, a token or a certificate.
	Logger *slog.Logger

	// MaxResponseBytes bounds a response body; 0 means
	// DefaultMaxResponseBytes, which is also the most DecodeResponse
	// accepts, so larger values act as the default.
	MaxResponseBytes int64

	// UserAgent is prepended to "collectssl-go-trustico" in the User-Agent
	// header.
	UserAgent string

	// state holds the cached token behind a pointer, so that fmt (which
	// shows only the address of a nested pointer) never prints it.
	state *clientState
}

// clientState is the token cache shared by the copies of a Client.
type clientState struct {
	sem chan struct{} // one token request at a time, left when a context ends

	mu      sync.Mutex
	tok     *oauth2.Token
	renewAt time.Time // zero: use until refused
	tokens  []string  // every access token this Client received, to scrub

	now func() time.Time // time.Now; tests replace it
}

// statesMu guards the lazy creation of every Client's state.
var statesMu sync.Mutex

func (c *Client) st() *clientState {
	statesMu.Lock()
	defer statesMu.Unlock()
	if c.state == nil {
		c.state = &clientState{sem: make(chan struct{}, 1), now: time.Now}
	}
	return c.state
}

// sharedHTTPClient is the HTTP client of every Client whose HTTPClient is nil.
var sharedHTTPClient = sync.OnceValue(func() *http.Client { return collectssl.NewHTTPClient(nil) })

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient == nil {
		return sharedHTTPClient()
	}
	hc := *c.HTTPClient
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

func (c *Client) maxBytes() int64 {
	if c.MaxResponseBytes > 0 {
		return min(c.MaxResponseBytes, DefaultMaxResponseBytes)
	}
	return DefaultMaxResponseBytes
}

// checkURL resolves raw (def when "") and refuses what is not https, unless
// to a loopback host.
func checkURL(raw, def string) (string, error) {
	if raw == "" {
		return def, nil
	}
	if err := endpoints.Check(raw); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidEndpoint, err)
	}
	return raw, nil
}

// Call posts in (a struct or map that encodes as a JSON object, or nil for
// {}) to method and decodes a successful answer into out (a pointer, or nil),
// with the transport, envelope and errors of every typed method. If out
// embeds Envelope, its SuccessCode, TestMode and Fields are set.
//
// Call is the way to the methods whose request and response are not
// documented (Hello, ParseCSR, ChangeApproverEmail, GetApproverList,
// MarkAsRefunded, CancelOrder, GetCertificate, GetCA, GetCertificateCA) and
// to any method the API adds. Their paths are UNCONFIRMED: Call posts to
// MethodPath(method), the documented path where there is one and otherwise
// "/order/" + the name in lower case, the convention of the documented paths
// (Reissue's "/order/reissueorder" is the one exception known). Field names
// are the caller's to get right.
func (c *Client) Call(ctx context.Context, method string, in, out any) error {
	body, err := encodeObject(in, nil)
	if err != nil {
		return err
	}
	return c.do(ctx, method, body, out)
}

// encodeObject encodes in, a struct or map that encodes as a JSON object (nil
// is {}), adding extra's fields; a field in both is an error.
func encodeObject(in any, extra map[string]any) ([]byte, error) {
	fields := map[string]json.RawMessage{}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidRequest, err)
		}
		if bytes.Equal(b, []byte("null")) {
			b = []byte("{}")
		}
		if err := json.Unmarshal(b, &fields); err != nil || fields == nil {
			return nil, fmt.Errorf("%w: the request does not encode as a JSON object", ErrInvalidRequest)
		}
		if len(extra) == 0 {
			return b, nil
		}
	}
	for k, v := range extra {
		if _, dup := fields[k]; dup {
			return nil, fmt.Errorf("%w: field %q given twice", ErrInvalidRequest, k)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("%w: field %q: %v", ErrInvalidRequest, k, err)
		}
		fields[k] = b
	}
	return json.Marshal(fields)
}

// do is one call: a token, the POST, one retry with a new token after a 401,
// the envelope; every error scrubbed of the secret and the tokens.
func (c *Client) do(ctx context.Context, method string, body []byte, out any) error {
	start := time.Now()
	status, attempts, err := c.call(ctx, method, body, out)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	err = c.scrubError(err)
	c.logCall(ctx, method, time.Since(start), status, attempts, out, err)
	return err
}

func (c *Client) call(ctx context.Context, method string, body []byte, out any) (status, attempts int, err error) {
	path := MethodPath(method)
	if path == "" {
		return 0, 0, fmt.Errorf("%w: method name %q is not a plain identifier", ErrInvalidRequest, method)
	}
	endpoint, err := checkURL(c.Endpoint, DefaultEndpoint)
	if err != nil {
		return 0, 0, err
	}
	target := strings.TrimSuffix(endpoint, "/") + path
	hc := c.httpClient()
	st := c.st()
	for attempts = 1; ; attempts++ {
		tok, err := c.token(ctx, hc)
		if err != nil {
			return 0, attempts, err
		}
		var resp []byte
		status, resp, err = c.post(ctx, hc, method, target, tok, body)
		if err != nil {
			return status, attempts, err
		}
		if status == http.StatusUnauthorized && attempts == 1 {
			st.invalidate(tok) // refused: one new token, one retry
			continue
		}
		if status != http.StatusOK {
			// ASSUMPTION: the API answers errors with HTTP 200. Should it
			// send its envelope with another status, the *Error is more use
			// than the status alone.
			if derr := DecodeResponse(method, resp, nil); derr != nil {
				var e *Error
				if errors.As(derr, &e) {
					return status, attempts, e
				}
			}
			return status, attempts, &HTTPError{Op: method, StatusCode: status, Err: statusError(status)}
		}
		return status, attempts, DecodeResponse(method, resp, out)
	}
}

// post makes one POST and reads the body, bounded. A status other than 200
// comes back with at most maxDrainBytes of its body and no error.
func (c *Client) post(ctx context.Context, hc *http.Client, method, target string, tok *oauth2.Token, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, &HTTPError{Op: method, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", strings.TrimSpace(c.UserAgent+" collectssl-go-trustico"))
	// ASSUMPTION: the token travels as a Bearer token (the documentation
	// never shows the header).
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, &HTTPError{Op: method, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxDrainBytes))
		return resp.StatusCode, b, nil
	}
	limit := c.maxBytes()
	if resp.ContentLength > limit {
		return resp.StatusCode, nil, &ResponseError{Method: method, Err: fmt.Errorf("%w: a body of %d bytes, more than %d", ErrTooLarge, resp.ContentLength, limit)}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	switch {
	case ctx.Err() != nil:
		return 0, nil, ctx.Err()
	case err != nil:
		return resp.StatusCode, nil, &HTTPError{Op: method, StatusCode: resp.StatusCode, Err: fmt.Errorf("reading the body: %w", err)}
	case int64(len(b)) > limit:
		return resp.StatusCode, nil, &ResponseError{Method: method, Err: fmt.Errorf("%w: a body over %d bytes", ErrTooLarge, limit)}
	}
	return resp.StatusCode, b, nil
}

// token returns the cached token, or fetches one (one fetch at a time; the
// others wait for it, or for their context).
func (c *Client) token(ctx context.Context, hc *http.Client) (*oauth2.Token, error) {
	st := c.st()
	if tok := st.current(); tok != nil {
		return tok, nil
	}
	select {
	case st.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-st.sem }()
	if tok := st.current(); tok != nil {
		return tok, nil // another caller fetched it meanwhile
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return nil, fmt.Errorf("%w: ClientID and ClientSecret must be set", ErrInvalidRequest)
	}
	tokenURL, err := checkURL(c.TokenURL, DefaultTokenURL)
	if err != nil {
		return nil, err
	}
	cfg := clientcredentials.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		TokenURL:     tokenURL,
		// CONFIRMED: client_id and client_secret in the form body.
		AuthStyle: oauth2.AuthStyleInParams,
	}
	start := time.Now()
	tok, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = tokenError(err)
	} else {
		st.store(tok)
	}
	if c.Logger != nil && c.Logger.Enabled(ctx, slog.LevelDebug) {
		attrs := []slog.Attr{slog.Duration("duration", time.Since(start))}
		if err != nil {
			attrs = append(attrs, slog.String("error", c.scrubError(err).Error()))
		} else {
			attrs = append(attrs, slog.Duration("lifetime", lifetime(tok)))
		}
		c.Logger.LogAttrs(ctx, slog.LevelDebug, "trustico token", attrs...)
	}
	return tok, err
}

// tokenError makes an *HTTPError of a failed token request, without the
// answer's body (which oauth2.RetrieveError quotes).
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		code := 0
		if re.Response != nil {
			code = re.Response.StatusCode
		}
		reason := statusError(code)
		if re.ErrorCode != "" {
			reason = fmt.Errorf("%w (%s)", reason, quoteCapped(re.ErrorCode, 64))
		}
		return &HTTPError{Op: "token", StatusCode: code, Err: reason}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &HTTPError{Op: "token", Err: ue}
	}
	// A 2xx answer the oauth2 package could not read: its message names
	// what is missing and quotes nothing.
	return &HTTPError{Op: "token", Err: errors.New(strings.TrimPrefix(err.Error(), "oauth2: "))}
}

// current returns the cached token while it is not due for renewal.
func (s *clientState) current() *oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == nil || (!s.renewAt.IsZero() && !s.now().Before(s.renewAt)) {
		return nil
	}
	return s.tok
}

// store caches tok, due for renewal a tenth of its lifetime (at most
// maxRenewMargin) before it expires.
func (s *clientState) store(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok = tok
	s.renewAt = time.Time{}
	if life := lifetime(tok); life > 0 {
		s.renewAt = s.now().Add(life - min(life/10, maxRenewMargin))
	}
	if len(s.tokens) >= 8 {
		s.tokens = s.tokens[1:]
	}
	s.tokens = append(s.tokens, tok.AccessToken)
}

// lifetime is how long a token just received is valid: its expires_in, which
// the oauth2 package turns into Expiry as of its arrival; 0 when the answer
// had none (the token is then used until refused).
func lifetime(tok *oauth2.Token) time.Duration {
	if tok.Expiry.IsZero() {
		return 0
	}
	return max(time.Until(tok.Expiry).Round(time.Second), time.Second)
}

// invalidate drops tok if it is still the cached one.
func (s *clientState) invalidate(tok *oauth2.Token) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tok == tok {
		s.tok = nil
	}
}

func (c *Client) logCall(ctx context.Context, method string, d time.Duration, status, attempts int, out any, err error) {
	if c.Logger == nil || !c.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.Duration("duration", d),
		slog.Int("http_status", status),
		slog.Int("attempts", attempts),
	}
	var e *Error
	switch {
	case errors.As(err, &e):
		attrs = append(attrs, slog.Int("code", e.Code), slog.Bool("test_mode", e.TestMode))
	case err == nil:
		if env, ok := out.(enveloper); ok {
			attrs = append(attrs, slog.Bool("test_mode", env.envelope().TestMode))
		}
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.Logger.LogAttrs(ctx, slog.LevelDebug, "trustico call", attrs...)
}

// redacted stands for a secret in every printed form.
const redacted = "[REDACTED]"

func redact(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// String shows the Client's ClientID and URLs, with ClientSecret redacted.
func (c Client) String() string {
	return fmt.Sprintf("{ClientID:%q ClientSecret:%s Endpoint:%q TokenURL:%q}", c.ClientID, redact(c.ClientSecret), c.Endpoint, c.TokenURL)
}

// GoString is String for %#v.
func (c Client) GoString() string {
	return fmt.Sprintf("trustico.Client{ClientID:%q, ClientSecret:%q, Endpoint:%q, TokenURL:%q}", c.ClientID, redact(c.ClientSecret), c.Endpoint, c.TokenURL)
}

// Format makes every verb (%v, %+v, %s, %q, %x, ...) print the redacted form.
func (c Client) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprint(f, c.GoString())
	case verb == 'q':
		fmt.Fprint(f, strconv.Quote(c.String()))
	default:
		fmt.Fprint(f, c.String())
	}
}

// LogValue makes log/slog print the redacted form, whatever the handler.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("ClientID", c.ClientID),
		slog.String("ClientSecret", redact(c.ClientSecret)),
		slog.String("Endpoint", c.Endpoint),
		slog.String("TokenURL", c.TokenURL),
	)
}

// MarshalJSON encodes the redacted form.
func (c Client) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct{ ClientID, ClientSecret, Endpoint, TokenURL string }{c.ClientID, redact(c.ClientSecret), c.Endpoint, c.TokenURL})
}
