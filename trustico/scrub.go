// This file holds the scrubbing of the client secret and the access tokens
// out of what reaches an error or a log line: a server that echoes a request
// would otherwise carry them into Error.Messages, and a transport error may
// quote a URL.

package trustico

import (
	"errors"
	"net/url"
	"strings"
)

// secrets returns every form of the Client's secret and tokens that a server
// may echo: as sent and escaped both ways URL encoding allows.
func (c *Client) secrets() []string {
	var raw []string
	if c.ClientSecret != "" {
		raw = append(raw, c.ClientSecret)
	}
	st := c.st()
	st.mu.Lock()
	raw = append(raw, st.tokens...)
	st.mu.Unlock()
	var forms []string
	for _, s := range raw {
		if s == "" {
			continue
		}
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s))
	}
	return forms
}

func scrubText(s string, forms []string) string {
	for _, f := range forms {
		if f != "" && strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, redacted)
		}
	}
	return s
}

// scrubError returns err, or, when err holds a secret, an error of the same
// kind that does not: an *Error with its Messages scrubbed, an *HTTPError or
// *ResponseError whose reason is replaced by a scrubbed one that still
// matches what it matched, anything else scrubbed the same way.
func (c *Client) scrubError(err error) error {
	if err == nil {
		return nil
	}
	forms := c.secrets()
	if len(forms) == 0 {
		return err
	}
	var e *Error
	if errors.As(err, &e) {
		// Error() shows only the start of long messages: scrub them all.
		cp := *e
		cp.Messages = make([]string, len(e.Messages))
		for i, m := range e.Messages {
			cp.Messages[i] = scrubText(m, forms)
		}
		return &cp
	}
	msg := err.Error()
	if scrubText(msg, forms) == msg {
		return err
	}
	var he *HTTPError
	if errors.As(err, &he) {
		cp := *he
		cp.Err = &scrubbedError{msg: scrubText(he.Err.Error(), forms), orig: he.Err}
		return &cp
	}
	var re *ResponseError
	if errors.As(err, &re) {
		cp := *re
		cp.Err = &scrubbedError{msg: scrubText(re.Err.Error(), forms), orig: re.Err}
		return &cp
	}
	return &scrubbedError{msg: scrubText(msg, forms), orig: err}
}
