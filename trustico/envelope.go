// This file holds the response envelope every method shares: SuccessCode,
// the error strings under any spelling of their key, the TEST-mode marker
// wherever it appears, and DecodeResponse, the one place where an answer
// becomes a result or an *Error.

package trustico

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// TestModeMarker is the descriptor the API adds to an answer in TEST mode,
// as the overview quotes it. Which JSON key carries it, or whether it is
// appended to another string, is not documented: DecodeResponse looks for it
// in every key and string value of the answer, and in the raw body.
const TestModeMarker = "API working in test mode."

// Envelope is what every answer carries besides its own fields. Every result
// type of this package embeds it; a caller's own result type for Call may
// embed it too, and Call fills it in.
type Envelope struct {
	// SuccessCode is 1: a result is only returned for a successful answer
	// (SuccessCode 0 is an *Error).
	SuccessCode int `json:"-"`
	// TestMode reports that the answer carried TestModeMarker.
	TestMode bool `json:"-"`
	// Fields holds every top-level field of the answer as sent, the ones
	// typed in the result included, so that undocumented fields are kept,
	// never dropped.
	Fields map[string]json.RawMessage `json:"-"`
}

func (e *Envelope) envelope() *Envelope { return e }

// enveloper is a result type that embeds Envelope.
type enveloper interface{ envelope() *Envelope }

// errorKey is the key of the error strings, as RTD-BA, RTD-PP and RTD-UA
// spell it; RTD-OD spells it "Errormsg" and RTD-RE "ErrorMSG". Keys are
// compared ignoring case, so all three are read.
const errorKey = "ErrorMsg"

// DecodeResponse reads body, an answer of method (used in errors), into out
// (a pointer, or nil to only check the envelope). It returns nil and fills
// out when SuccessCode is 1, an *Error when SuccessCode is 0, and a
// *ResponseError (ErrMalformedResponse; ErrTooLarge over DefaultMaxResponseBytes)
// when body is not an answer: not a JSON object, no integer SuccessCode of 0
// or 1, error strings that are not strings, or a field whose type does not
// fit out. When out embeds Envelope, its SuccessCode, TestMode and Fields are
// set.
//
// It is lenient where the documentation leaves room (each an ASSUMPTION the
// documentation neither confirms nor rules out): the schemas are labelled
// "array[object]", so a JSON array of exactly one object is read as that
// object; SuccessCode may be a number or a string of digits; the error
// strings may be one string instead of an array.
func DecodeResponse(method string, body []byte, out any) error {
	if len(body) > DefaultMaxResponseBytes {
		return &ResponseError{Method: method, Err: fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, len(body), DefaultMaxResponseBytes)}
	}
	obj, err := topObject(body)
	if err != nil {
		return &ResponseError{Method: method, Err: err}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(obj, &fields); err != nil || fields == nil {
		return &ResponseError{Method: method, Err: errors.New("not a JSON object")}
	}
	code, err := successCode(fields)
	if err != nil {
		return &ResponseError{Method: method, Err: err}
	}
	testMode := hasMarker(body)
	if code == 0 {
		msgs, err := errorMessages(fields)
		if err != nil {
			return &ResponseError{Method: method, Err: err}
		}
		return &Error{Method: method, Code: codeIn(msgs), Messages: msgs, TestMode: testMode}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(obj, out); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			err = fmt.Errorf("field %q is a JSON %s, not a %v", ute.Field, ute.Value, ute.Type)
		} else {
			err = errors.New("cannot decode the answer into the result")
		}
		return &ResponseError{Method: method, Err: err}
	}
	if e, ok := out.(enveloper); ok {
		env := e.envelope()
		env.SuccessCode, env.TestMode, env.Fields = 1, testMode, fields
	}
	return nil
}

// topObject returns the JSON object body holds: the body itself, or the one
// element of a one-element array.
func topObject(body []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, errors.New("empty body")
	}
	switch trimmed[0] {
	case '{':
		return trimmed, nil
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(trimmed, &elems); err != nil {
			return nil, errors.New("not valid JSON")
		}
		if len(elems) != 1 {
			return nil, fmt.Errorf("an array of %d elements, not one object", len(elems))
		}
		e := bytes.TrimSpace(elems[0])
		if len(e) == 0 || e[0] != '{' {
			return nil, errors.New("an array whose element is not an object")
		}
		return e, nil
	}
	return nil, errors.New("not a JSON object")
}

// lookup returns the values of the keys of fields equal to name ignoring
// case, in the order of their keys.
func lookup(fields map[string]json.RawMessage, name string) []json.RawMessage {
	var keys []string
	for k := range fields {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	vals := make([]json.RawMessage, len(keys))
	for i, k := range keys {
		vals[i] = fields[k]
	}
	return vals
}

// successCode reads SuccessCode: 1 or 0, as a number or a string of digits.
func successCode(fields map[string]json.RawMessage) (int, error) {
	vals := lookup(fields, "SuccessCode")
	if len(vals) == 0 {
		return 0, errors.New("no SuccessCode")
	}
	if len(vals) > 1 {
		return 0, errors.New("SuccessCode given twice")
	}
	raw := bytes.TrimSpace(vals[0])
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = []byte(strings.TrimSpace(s))
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || (n != 0 && n != 1) {
		return 0, errors.New("SuccessCode is not 0 or 1")
	}
	return n, nil
}

// errorMessages reads the error strings under every spelling of their key:
// an array of strings (as documented), one string, or null.
func errorMessages(fields map[string]json.RawMessage) ([]string, error) {
	var msgs []string
	for _, raw := range lookup(fields, errorKey) {
		var list []string
		if err := json.Unmarshal(raw, &list); err == nil {
			msgs = append(msgs, list...)
			continue
		}
		var one string
		if err := json.Unmarshal(raw, &one); err == nil {
			msgs = append(msgs, one)
			continue
		}
		return nil, errors.New("the error strings are not strings")
	}
	return msgs, nil
}

// codeIn returns the first documented error code one of msgs carries as a
// run of exactly four digits, or 0. Where the API puts the code is not
// documented (ASSUMPTION): this reads "1003", "Error 1003: ...",
// "[1003] ..." alike, and ignores numbers that are no documented code.
func codeIn(msgs []string) int {
	for _, m := range msgs {
		for i := 0; i < len(m); {
			if !isDigit(m[i]) {
				i++
				continue
			}
			j := i
			for j < len(m) && isDigit(m[j]) {
				j++
			}
			if j-i == 4 {
				n, _ := strconv.Atoi(m[i:j])
				if sentinel(n) != nil {
					return n
				}
			}
			i = j
		}
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// hasMarker reports whether body carries TestModeMarker: in the raw bytes,
// or in any key or string value once JSON escapes are undone. The walk reads
// tokens one after another, so it needs no recursion however deep the JSON
// nests; it stops at the first syntax error.
func hasMarker(body []byte) bool {
	if bytes.Contains(body, []byte(TestModeMarker)) {
		return true
	}
	if !bytes.Contains(body, []byte(`\`)) {
		return false // no escapes: the raw check saw every string as it is
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false // io.EOF or a syntax error
		}
		if s, ok := tok.(string); ok && strings.Contains(s, TestModeMarker) {
			return true
		}
	}
}
