// This file holds the BER walker: an iterative, depth-bounded reader of
// BER/DER tag-length-value headers (indefinite lengths included) that the
// PKCS#7 and Netscape decoders navigate with, and containerLen, which tells
// where one binary container (a BER TLV or a ZIP archive) ends in a stream.

package collectssl

import (
	"errors"
	"fmt"
	"slices"
)

// Internal reasons of walker errors. They are wrapped in a *ContainerError
// before they leave the package, so callers match ErrMalformedContainer.
var (
	errTruncated     = fmt.Errorf("%w: truncated", ErrMalformedContainer)
	errBadTag        = fmt.Errorf("%w: invalid tag encoding", ErrMalformedContainer)
	errBadLength     = fmt.Errorf("%w: invalid length encoding", ErrMalformedContainer)
	errPrimitiveIndf = fmt.Errorf("%w: indefinite length on a primitive element", ErrMalformedContainer)
	errUnexpectedEOC = fmt.Errorf("%w: unexpected end-of-contents marker", ErrMalformedContainer)
	errTooDeep       = fmt.Errorf("%w: nesting deeper than %d levels", ErrTooLarge, maxNestingDepth)
)

// ASN.1 classes as they appear in the top two bits of an identifier octet.
const (
	classUniversal = 0
	classContext   = 2
)

// Universal tag numbers the decoders look at.
const (
	tagInteger  = 2
	tagOID      = 6
	tagSequence = 16
	tagSet      = 17
)

// berHdr is one decoded identifier-and-length header.
type berHdr struct {
	class       byte
	constructed bool
	num         uint32 // tag number
	eoc         bool   // the end-of-contents marker 00 00
	indef       bool   // indefinite length (constructed only)
	body        int    // offset of the contents
	length      int    // length of the contents; 0 when indef
}

// berHeader decodes the header that starts at b[off] into *h. With a
// definite length it checks that the contents fit in b. A header cut short
// by the end of b gives errTruncated (wrapped), so containerLen can ask for
// more bytes. (h is filled in place: a header returned by value is written
// a field at a time and copied whole, and that copy stalls the processor
// more than all the decoding.)
func berHeader(b []byte, off int, h *berHdr) error {
	*h = berHdr{}
	p := off
	if p >= len(b) {
		return walkErr(off, errTruncated)
	}
	id := b[p]
	p++
	h.class = id >> 6
	h.constructed = id&0x20 != 0
	h.num = uint32(id & 0x1f)
	if h.num == 0x1f {
		// High-tag-number form (X.690 8.1.2.4): base-128 digits, the first
		// not zero, the number at least 31 (smaller numbers shall use the
		// short form). Four digits (28 bits) are far more than any real tag.
		h.num = 0
		for i := 0; ; i++ {
			if p >= len(b) {
				return walkErr(off, errTruncated)
			}
			c := b[p]
			p++
			if (i == 0 && c == 0x80) || i == 4 {
				return walkErr(off, errBadTag)
			}
			h.num = h.num<<7 | uint32(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
		if h.num < 0x1f {
			return walkErr(off, errBadTag)
		}
	}
	if p >= len(b) {
		return walkErr(off, errTruncated)
	}
	l := b[p]
	p++
	switch {
	case l < 0x80:
		h.length = int(l)
	case l == 0x80:
		if !h.constructed {
			if id == 0 {
				// 00 80 is not an end-of-contents marker either.
				return walkErr(off, errBadLength)
			}
			return walkErr(off, errPrimitiveIndf)
		}
		h.indef = true
	case l == 0xff:
		return walkErr(off, errBadLength) // reserved (X.690 8.1.3.5 c)
	default:
		// Long form. BER allows leading zero octets, which are skipped;
		// four significant octets cover every length this package accepts.
		n := int(l & 0x7f)
		if len(b)-p < n {
			return walkErr(off, errTruncated)
		}
		octets := b[p : p+n]
		for len(octets) > 4 && octets[0] == 0 {
			octets = octets[1:]
		}
		if len(octets) > 4 {
			return walkErr(off, fmt.Errorf("%w: length of %d octets", ErrTooLarge, n))
		}
		var v uint64
		for _, c := range octets {
			v = v<<8 | uint64(c)
		}
		p += n
		if v > maxInputSize {
			return walkErr(off, fmt.Errorf("%w: element of %d bytes, limit %d", ErrTooLarge, v, maxInputSize))
		}
		h.length = int(v)
	}
	h.body = p
	if id == 0 {
		if h.length != 0 {
			return walkErr(off, errBadLength)
		}
		h.eoc = true
		return nil
	}
	if !h.indef && h.length > len(b)-p {
		return walkErr(off, errTruncated)
	}
	return nil
}

// walkErr is the error of the walker at offset off.
func walkErr(off int, reason error) error {
	return &ContainerError{Format: "BER", Offset: off, Err: reason}
}

// berSkip returns the offset just past the element that starts at b[off],
// whose depth is depth (1 for a top-level element). Definite-length elements
// are skipped by their length; indefinite-length ones are walked, child by
// child, to their end-of-contents marker. The walk is a loop with a counter
// instead of recursion: only indefinite-length elements need a stack entry
// and all they need is a count. It terminates because every turn consumes
// at least the two octets of a header.
func berSkip(b []byte, off, depth, maxDepth int, rec *endCache) (int, error) {
	open := 0 // indefinite-length elements entered and not yet closed
	var h berHdr
	for {
		if err := berHeader(b, off, &h); err != nil {
			return 0, err
		}
		if h.eoc {
			if open == 0 {
				return 0, walkErr(off, errUnexpectedEOC)
			}
			open--
			off = h.body
			rec.close(open, off)
			if open == 0 {
				return off, nil
			}
			continue
		}
		if depth+open > maxDepth {
			return 0, walkErr(off, depthErr(maxDepth))
		}
		if h.indef {
			rec.open(open, off)
			open++
			off = h.body
			continue
		}
		off = h.body + h.length
		if open == 0 {
			return off, nil
		}
	}
}

// endCache remembers where the indefinite-length elements met by one walk
// end, so that descending into them later does not walk them again (which
// would cost a walk per level of nesting). A nil *endCache records nothing.
type endCache struct {
	spans []span // in order of start: a walk meets elements in document order
	stack []int  // indexes in spans of the elements still open
}

// endCacheRoom is the first room of an endCache, allocated at its first
// indefinite-length element (DER never needs it): enough for a typical BER
// PKCS#7, in one allocation. Keeping it outside the cache keeps a walker
// small and on the stack.
type endCacheRoom struct {
	spans [16]span
	stack [maxNestingDepth + 1]int
}

// span is where one indefinite-length element starts and ends (next: just
// past its end-of-contents marker; 0 while it is open).
type span struct{ start, next int }

// maxCachedEnds bounds the cache (16 bytes an entry); past it, elements are
// walked again, which is slower but still linear for each nesting level.
const maxCachedEnds = 1 << 14

func (c *endCache) open(level, off int) {
	if c == nil {
		return
	}
	if c.spans == nil {
		room := new(endCacheRoom)
		c.spans, c.stack = room.spans[:0], room.stack[:0]
	}
	c.stack = append(c.stack[:level], -1)
	if len(c.spans) < maxCachedEnds && (len(c.spans) == 0 || c.spans[len(c.spans)-1].start < off) {
		c.stack[level] = len(c.spans)
		c.spans = append(c.spans, span{start: off})
	}
}

func (c *endCache) close(level, next int) {
	if c == nil || level >= len(c.stack) {
		return
	}
	if i := c.stack[level]; i >= 0 {
		c.spans[i].next = next
	}
}

// lookup returns the recorded end of the indefinite-length element at off.
func (c *endCache) lookup(off int) (next int, ok bool) {
	if c == nil {
		return 0, false
	}
	i, found := slices.BinarySearchFunc(c.spans, off, func(s span, off int) int { return s.start - off })
	if !found || c.spans[i].next == 0 {
		return 0, false
	}
	return c.spans[i].next, true
}

func depthErr(maxDepth int) error {
	if maxDepth == maxNestingDepth {
		return errTooDeep
	}
	return fmt.Errorf("%w: nesting deeper than %d levels", ErrTooLarge, maxDepth)
}

// elem is one element located in a buffer: b[start:next] is the whole TLV,
// b[body:end] its contents (the end-of-contents marker of an
// indefinite-length element lies between end and next).
type elem struct {
	berHdr
	start, end, next int
	depth            int
}

// is reports whether e has the given class, form and tag number.
func (e *elem) is(class byte, constructed bool, num uint32) bool {
	return e.class == class && e.constructed == constructed && e.num == num
}

// walker reads the elements of one buffer within a depth limit, with a
// cache of where its indefinite-length elements end.
type walker struct {
	maxDepth int
	ends     endCache
}

// readElem locates the element at b[off] at the given depth into *e,
// walking it to its end when its length is indefinite (unless an earlier
// walk of this buffer recorded that end). After an error, *e holds nothing
// of use.
func (w *walker) readElem(b []byte, off, depth int, e *elem) error {
	maxDepth := w.maxDepth
	if depth > maxDepth {
		return walkErr(off, depthErr(maxDepth))
	}
	if err := berHeader(b, off, &e.berHdr); err != nil {
		return err
	}
	if e.eoc {
		return walkErr(off, errUnexpectedEOC)
	}
	e.start, e.depth = off, depth
	if e.indef {
		next, ok := w.ends.lookup(off)
		if !ok || next > len(b) {
			var err error
			if next, err = berSkip(b, off, depth, maxDepth, &w.ends); err != nil {
				return err
			}
		}
		e.end, e.next = next-2, next
	} else {
		e.end = e.body + e.length
		e.next = e.end
	}
	return nil
}

// elemIter iterates over the children of one constructed element.
type elemIter struct {
	w          *walker
	b          []byte // cut at the parent's end, so no child can run past it
	off, depth int
}

// children returns an iterator over the contents of e, found in b.
func (w *walker) children(b []byte, e *elem) elemIter {
	return elemIter{w: w, b: b[:e.end], off: e.body, depth: e.depth + 1}
}

// next reads the next child into *e; ok is false at the end of the
// contents, and after an error (when *e holds nothing of use).
func (it *elemIter) next(e *elem) (ok bool, err error) {
	if it.off >= len(it.b) {
		return false, nil
	}
	if err := it.w.readElem(it.b, it.off, it.depth, e); err != nil {
		return false, err
	}
	it.off = e.next
	return true, nil
}

// containerLen reports whether b starts with one complete container and how long it is:
// a DER or BER TLV (indefinite lengths included, depth-bounded), or a ZIP archive (up to the end of
// its end-of-central-directory record plus comment; verify the EOCD's central-directory offset and
// size agree with where it was found, so a signature inside compressed data is not taken for it).
// complete=false, err=nil means b is a valid prefix that needs more bytes; err != nil means b cannot
// be the start of a container.
//
// A BER container must be a SEQUENCE (every certificate container is one).
// A definite length above maxInputSize is an error matching ErrTooLarge, so
// a caller reading a stream never waits for it.
func containerLen(b []byte) (n int, complete bool, err error) {
	if len(b) == 0 {
		return 0, false, nil
	}
	switch b[0] {
	case 0x30:
		n, err := berSkip(b, 0, 1, maxNestingDepth, nil)
		if err != nil {
			if errors.Is(err, errTruncated) {
				return 0, false, nil
			}
			return 0, false, err
		}
		return n, true, nil
	case 'P':
		return zipLen(b)
	}
	return 0, false, &ContainerError{Format: "", Offset: 0, Err: ErrUnknownFormat}
}
