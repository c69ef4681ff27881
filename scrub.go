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
	forms := make([]string, 1, 4)
	forms[0] = secret
	for _, f := range []string{url.QueryEscape(secret), url.PathEscape(secret), quotedInner(secret)} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}

// quotedInner is strconv.Quote(s) without its quotes: s itself when s is
// printable ASCII without '"' or '\\', which %q leaves as it is.
func quotedInner(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			q := strconv.Quote(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}

// scrubBody replaces the password in a text body, before anything reads
// it: an error that quotes part of the body, or cuts it, cannot show what
// is not there. A binary container is left alone: it holds no text, and its
// certificates must stay as they are.
func scrubBody(body []byte, forms []string) []byte {
	if isBinaryContainer(body) || !holdsAny(body, forms) {
		return body
	}
	for _, f := range forms {
		if bytes.Contains(body, []byte(f)) {
			body = bytes.ReplaceAll(body, []byte(f), []byte(redacted))
		}
	}
	return body
}

// holdsAny reports whether body holds one of forms. The forms of a secret
// share its start, up to the first character some form escapes: when that
// start is minSharedStart bytes or more, one scan for it finds every place
// where a form could begin, where a scan per form reads the body once for
// each distinct spelling (up to four). A body that holds the start at more
// than maxStartHits places (a server repeating part of the password, or a
// hostile one) is scanned per form from there, so that checking every
// place costs no more than those scans.
func holdsAny(body []byte, forms []string) bool {
	start := commonPrefix(forms)
	if len(start) < minSharedStart {
		return holdsAnyPerForm(body, forms)
	}
	prefix := []byte(start)
	for hits, rest := 0, body; ; hits++ {
		if hits == maxStartHits {
			return holdsAnyPerForm(rest, forms)
		}
		i := bytes.Index(rest, prefix)
		if i < 0 {
			return false
		}
		for _, f := range forms {
			if bytes.HasPrefix(rest[i:], []byte(f)) {
				return true
			}
		}
		rest = rest[i+1:]
	}
}

// minSharedStart is the shortest start of the forms holdsAny scans for:
// shorter ones occur too often in text to save anything.
const minSharedStart = 4

// maxStartHits is how many places holding the forms' start holdsAny checks
// before it scans per form.
const maxStartHits = 16

// holdsAnyPerForm is holdsAny by one scan per form.
func holdsAnyPerForm(body []byte, forms []string) bool {
	for _, f := range forms {
		if bytes.Contains(body, []byte(f)) {
			return true
		}
	}
	return false
}

// commonPrefix returns the longest start that every string of ss has.
func commonPrefix(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	p := ss[0]
	for _, s := range ss[1:] {
		n := 0
		for n < len(p) && n < len(s) && p[n] == s[n] {
			n++
		}
		p = p[:n]
	}
	return p
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
		if !holdsAny([]byte(se.Message), forms) && !holdsAny([]byte(se.Argument), forms) {
			return err
		}
		c := *se
		c.Message, c.Argument = scrubText(c.Message, forms), scrubText(c.Argument, forms)
		return &c
	}
	if !holdsAny([]byte(err.Error()), forms) {
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
