// This file holds the scrubbing of the account password out of what a
// server sends back: a server that echoes the request puts the password
// into its messages, and from there it would reach errors, log lines and
// the command's output. Client.Collect scrubs every text of the Result and
// of the error before anyone sees it.

package collectssl

import (
	"bytes"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// secretForms are the spellings of secret a server may echo, or an error
// quote: as sent in the form (escaped both ways URL encoding allows), as
// decoded, and as %q escapes it.
func secretForms(secret string) []string {
	if secret == "" {
		return nil
	}
	q := strconv.Quote(secret)
	forms := []string{secret}
	for _, f := range []string{url.QueryEscape(secret), url.PathEscape(secret), q[1 : len(q)-1]} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

// scrubBody replaces the password in a text body, before anything reads
// it: an error that quotes part of the body, or cuts it, cannot show what
// is not there. A binary container is left alone: it holds no text, and its
// certificates must stay as they are.
func scrubBody(body []byte, forms []string) []byte {
	if isBinaryContainer(body) {
		return body
	}
	for _, f := range forms {
		if bytes.Contains(body, []byte(f)) {
			body = bytes.ReplaceAll(body, []byte(f), []byte(redacted))
		}
	}
	return body
}

// scrubText replaces every form of secret in s with "[REDACTED]".
func scrubText(s string, forms []string) string {
	for _, f := range forms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, redacted)
		}
	}
	return s
}

func holdsSecret(s string, forms []string) bool {
	for _, f := range forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// scrubResult scrubs the text fields of r (in place: Collect made it).
// Certificates and the container are binary and left alone.
func scrubResult(r *Result, forms []string) *Result {
	if r == nil || forms == nil {
		return r
	}
	for _, p := range []*string{&r.FQDN, &r.CertificateStatus, &r.ValidationStatus, &r.CAAStatus} {
		*p = scrubText(*p, forms)
	}
	for _, list := range [][]DomainStatus{r.MDCDomainDetails, r.MDCDomainDetails2} {
		for i := range list {
			list[i].Domain, list[i].Status = scrubText(list[i].Domain, forms), scrubText(list[i].Status, forms)
		}
	}
	for _, k := range slices.Collect(maps.Keys(r.Extra)) { // keys first: the loop renames some
		vs := r.Extra[k]
		for i, v := range vs {
			vs[i] = scrubText(v, forms)
		}
		if sk := scrubText(k, forms); sk != k {
			delete(r.Extra, k)
			r.Extra[sk] = append(r.Extra[sk], vs...)
		}
	}
	return r
}

// scrubError returns err, or, when its message holds secret, an error of
// the same kind whose texts do not: a *StatusError with its Message and
// Argument scrubbed; a *ParseError or *TransportError whose reason is
// replaced by a scrubbed one that still matches the same sentinels through
// errors.Is; anything else scrubbed the same way.
func scrubError(err error, forms []string) error {
	if err == nil || forms == nil {
		return err
	}
	var (
		se *StatusError
		pe *ParseError
		te *TransportError
	)
	if errors.As(err, &se) {
		// Its Error() shows only the start of a long Message: look at the
		// fields themselves.
		if !holdsSecret(se.Message, forms) && !holdsSecret(se.Argument, forms) {
			return err
		}
		c := *se
		c.Message, c.Argument = scrubText(c.Message, forms), scrubText(c.Argument, forms)
		return &c
	}
	if !holdsSecret(err.Error(), forms) {
		return err
	}
	switch {
	case errors.As(err, &pe):
		c := *pe
		c.Field, c.Err = scrubText(c.Field, forms), &scrubbedError{msg: scrubText(c.Err.Error(), forms), orig: c.Err}
		return &c
	case errors.As(err, &te):
		c := *te
		c.Err = &scrubbedError{msg: scrubText(c.Err.Error(), forms), orig: c.Err}
		return &c
	}
	return &scrubbedError{msg: scrubText(err.Error(), forms), orig: err}
}

// scrubbedError is an error whose message was scrubbed of a secret. It
// matches the sentinels the original matches (errors.Is), but hands out
// neither the original nor anything it wraps: their messages still hold the
// secret.
type scrubbedError struct {
	msg  string
	orig error
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.orig, target) }
