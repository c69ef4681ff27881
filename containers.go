// This file holds DecodeCertificates: content sniffing over every container
// CollectSSL can hand back, the limits, and the decoders for DER certificates, PKCS#7
// SignedData (DER and BER) and the Netscape certificate sequence. Text (PEM,
// bare base64, UTF-16) is in containers_text.go, ZIP in containers_zip.go,
// the BER walker in ber.go.

package collectssl

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"fmt"
	"hash/maphash"
)

// Limits on certificate containers. Each is listed in the package
// documentation; exceeding one gives an error matching ErrTooLarge.
const (
	// maxInputSize bounds the input of DecodeCertificates and any declared
	// BER length. A real CollectSSL answer is 2 to 20 KiB; 4 MiB is 200 times
	// that and still cheap to hold in memory.
	maxInputSize = 4 << 20

	// maxDecodedSize bounds what one decoding step (base64, UTF-16 to UTF-8)
	// may produce. Base64 shrinks and UTF-16 to ASCII halves, so this only
	// bites on nested data, such as the text of a ZIP entry.
	maxDecodedSize = 4 << 20

	// maxNestingDepth bounds the nesting of BER elements. A certificate in
	// a certs-only PKCS#7 sits at depth 5; constructed OCTET STRINGs add a
	// few. Sixteen is plenty and keeps every walk shallow.
	maxNestingDepth = 16

	// maxCertificates bounds the certificates one container may hold. A
	// chain is 2 to 5 certificates; 512 still admits a whole root store.
	maxCertificates = 512

	// maxZipEntries bounds the entries of a ZIP archive. Sectigo's archives
	// hold a handful (.crt files, a .ca-bundle, a readme).
	maxZipEntries = 256

	// maxZipEntrySize bounds each ZIP entry, both as declared and as
	// actually inflated: a certificate file is a few KiB.
	maxZipEntrySize = 1 << 20

	// maxZipInflated bounds the bytes inflated from one archive in total,
	// so a ZIP bomb costs at most this much memory, and twice this much
	// inflating (an entry streamPEM gives up on is inflated again).
	maxZipInflated = 8 << 20
)

// limits carries the limits through a decode, so that tests and benchmarks
// can exercise the decoder beyond them without changing the constants.
type limits struct {
	input, decoded, depth, certs, zipEntries, zipEntry, zipInflated int

	// zipStream is no limit but the declared size from which a ZIP entry
	// of PEM text is decoded as it inflates (streamPEM), not read whole.
	zipStream int
}

var defaultLimits = limits{
	input:       maxInputSize,
	decoded:     maxDecodedSize,
	depth:       maxNestingDepth,
	certs:       maxCertificates,
	zipEntries:  maxZipEntries,
	zipEntry:    maxZipEntrySize,
	zipInflated: maxZipInflated,
	zipStream:   minZipStreamSize,
}

// responseLimits are the limits on the certificates of a response: the
// response's own cap on certificates applies while decoding, before the
// certificates past it are parsed.
var responseLimits = func() limits {
	l := defaultLimits
	l.certs = maxResponseCertificates
	return l
}()

// DecodeCertificates decodes every certificate in data and returns them in
// the order found. It sniffs the content and trusts no label or name:
//
//   - PEM text with any number of CERTIFICATE, PKCS7, "PKCS #7 SIGNED DATA"
//     or CMS blocks, whatever each block really holds (OpenSSL writes a
//     Netscape sequence under CERTIFICATE); other blocks (keys, requests)
//     are skipped and never quoted; text around the blocks is ignored;
//     CRLF, indentation, a UTF-8 byte order mark and UTF-16 text are read;
//   - bare base64 of any binary container below, wrapped or not, padded or
//     not, with spaces where form decoding turned '+' into ' ';
//   - DER: one certificate or several concatenated;
//   - PKCS#7 SignedData in DER or BER (indefinite lengths, constructed
//     OCTET STRINGs, unsorted SETs, with or without CRLs and signers);
//   - the Netscape certificate sequence (2.16.840.1.113730.2.5);
//   - a ZIP archive whose entries hold any of the above; entries that hold
//     no certificate (a readme) are ignored, a certificate repeated across
//     entries (a .ca-bundle) is returned once.
//
// A container that holds no certificate, bytes after a binary container, and
// anything over a limit of the package documentation are errors; every error
// is a *ContainerError (so it matches ErrMalformedContainer) and its reason
// matches ErrNoCertificates, ErrTrailingData, ErrUnknownFormat, ErrTooLarge,
// or names another defect. Each certificate must itself be DER, as
// x509.ParseCertificate requires. The certificates do not share memory with
// data.
func DecodeCertificates(data []byte) ([]*x509.Certificate, error) {
	return decodeCertificates(data, defaultLimits)
}

// decodeCertificates is DecodeCertificates under the given limits.
func decodeCertificates(data []byte, lim limits) ([]*x509.Certificate, error) {
	return decodeWith(data, lim, false)
}

// decodeResponseContainer decodes the container of a response under the
// response limits (maxResponseCertificates), taking data over: the
// certificates alias it, so that a Result keeps one copy of its container,
// not two.
func decodeResponseContainer(data []byte) ([]*x509.Certificate, error) {
	return decodeWith(data, responseLimits, true)
}

// decodeWith decodes data under lim. owned says data is the caller's to
// give: DER is then not copied before the certificates alias it.
func decodeWith(data []byte, lim limits, owned bool) ([]*x509.Certificate, error) {
	if len(data) > lim.input {
		return nil, &ContainerError{Offset: -1, Err: fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), lim.input)}
	}
	d := decoder{lim: lim, owned: owned}
	if err := d.decode(data, true); err != nil {
		return nil, err
	}
	return d.certs, nil
}

// decoder accumulates the certificates of one DecodeCertificates call.
type decoder struct {
	lim      limits
	certs    []*x509.Certificate
	inflated int // bytes inflated from ZIP entries so far

	// seen holds the certificates returned since the first ZIP archive
	// (whose entries may repeat one), by a hash of their DER: the index in
	// certs of the first with that hash. It is nil before a ZIP.
	seen     map[uint64]int
	seenFrom int // the length of certs when seen was made
	seed     maphash.Seed

	// container is the first ZIP archive, PKCS#7 or Netscape container
	// decoded (the outermost one), for decodePEMText.
	container []byte

	// owned says the input of decode is the decoder's to keep (see
	// decodeWith).
	owned bool

	// copyCerts says the buffer being decoded is reused: addCert copies
	// each certificate it keeps out of it. streamPEM sets it for d.der.
	copyCerts bool

	// text reads a large ZIP entry as it inflates; der holds the DER of
	// the PEM block streamPEM decodes. Both are reused for every entry.
	// streamed counts the entries streamPEM decoded to their end (the
	// tests look).
	text     *bufio.Reader
	der      []byte
	streamed int
}

// decode sniffs data and decodes it; allowZIP is false inside a ZIP entry,
// so archives do not nest. It fails with ErrNoCertificates when data holds
// no certificate.
func (d *decoder) decode(data []byte, allowZIP bool) error {
	before := len(d.certs)
	var err error
	switch {
	case len(data) == 0:
		err = &ContainerError{Offset: -1, Err: ErrNoCertificates}
	case isZIP(data):
		if !allowZIP {
			return &ContainerError{Format: "ZIP", Offset: 0, Err: fmt.Errorf("%w: ZIP inside ZIP", ErrUnknownFormat)}
		}
		err = d.decodeZIP(data)
	case isUTF16(data):
		err = d.decodeUTF16(data, allowZIP)
	case data[0] == 0x30:
		// Certificates alias the buffer they were parsed from; the caller's
		// buffer is not ours to keep, unless it was handed over.
		if !d.owned {
			data = bytes.Clone(data)
		}
		err = d.decodeDER(data)
	default:
		err = d.decodeText(data, allowZIP)
	}
	if err == nil && len(d.certs) == before {
		err = &ContainerError{Offset: -1, Err: ErrNoCertificates}
	}
	return err
}

// isZIP reports whether data starts like a ZIP archive (a local file header,
// or the end record of an empty archive).
func isZIP(data []byte) bool {
	return len(data) >= 4 && (string(data[:4]) == zipLocalSig || string(data[:4]) == zipEOCDSig)
}

// binaryDecode sniffs the result of decoding text (base64 or a PEM block's
// contents): a ZIP archive or DER/BER, nothing else.
func (d *decoder) binaryDecode(b []byte, allowZIP bool) error {
	switch {
	case isZIP(b) && allowZIP:
		first := d.container == nil
		err := d.decodeZIP(b)
		if first {
			d.container = b // the archive, not a container inside it
		}
		return err
	case len(b) > 0 && b[0] == 0x30:
		return d.decodeDER(b)
	}
	return &ContainerError{Offset: -1, Err: ErrUnknownFormat}
}

// Object identifiers of the two ASN.1 containers, as DER contents octets.
var (
	oidData        = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01} // 1.2.840.113549.1.7.1
	oidSignedData  = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02} // 1.2.840.113549.1.7.2
	oidNetscapeSeq = []byte{0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x02, 0x05} // 2.16.840.1.113730.2.5
)

// decodeDER decodes a buffer that starts with a SEQUENCE: one PKCS#7
// ContentInfo, one Netscape sequence, or one or more certificates. The
// certificates returned alias b.
func (d *decoder) decodeDER(b []byte) error {
	w := &walker{maxDepth: d.lim.depth}
	var top, first elem
	if err := w.readElem(b, 0, 1, &top); err != nil {
		return err
	}
	if !top.is(classUniversal, true, tagSequence) {
		return &ContainerError{Format: "DER", Offset: 0, Err: ErrUnknownFormat}
	}
	it := w.children(b, &top)
	ok, err := it.next(&first)
	if err != nil {
		return err
	}
	switch {
	case ok && first.is(classUniversal, false, tagOID):
		oid := b[first.body:first.end]
		switch string(oid) {
		case string(oidSignedData):
			err = d.decodePKCS7(w, b, &top, &it)
		case string(oidNetscapeSeq):
			err = d.decodeNetscape(w, b, &top, &it)
		default:
			// An OID we do not know (an enveloped PKCS#7, a key): say so
			// without quoting it.
			return &ContainerError{Format: "DER", Offset: 0, Err: fmt.Errorf("%w: unsupported content type", ErrUnknownFormat)}
		}
		if err != nil {
			return err
		}
		if top.next != len(b) {
			return &ContainerError{Format: "DER", Offset: top.next, Err: ErrTrailingData}
		}
		if d.container == nil {
			d.container = b
		}
		return nil
	case ok && first.is(classUniversal, true, tagSequence):
		return d.decodeCertSeq(w, b, &top)
	}
	return &ContainerError{Format: "DER", Offset: 0, Err: ErrUnknownFormat}
}

// decodeCertSeq decodes the concatenated certificates that fill b, the first
// of which is top. Anything after them that does not start a SEQUENCE is
// trailing data.
func (d *decoder) decodeCertSeq(w *walker, b []byte, top *elem) error {
	// Count first, as decodeCertSet does; a malformed element ends the count
	// and is reported by the loop below, in order.
	n := 1
	for e := *top; e.next < len(b) && b[e.next] == 0x30; n++ {
		if err := w.readElem(b, e.next, 1, &e); err != nil {
			break
		}
	}
	if err := d.checkCount(n, top.start, "DER"); err != nil {
		return err
	}
	e := *top
	for {
		if err := d.addCert(b, &e, "DER"); err != nil {
			return err
		}
		if e.next == len(b) {
			return nil
		}
		if b[e.next] != 0x30 {
			return &ContainerError{Format: "DER", Offset: e.next, Err: ErrTrailingData}
		}
		if err := w.readElem(b, e.next, 1, &e); err != nil {
			return err
		}
	}
}

// checkCount refuses n more certificates when they would take the decoder
// over its limit. Inside a ZIP archive, whose entries may repeat a
// certificate (the copies are dropped), it leaves the count to addCert.
func (d *decoder) checkCount(n, off int, format string) error {
	if d.seen != nil {
		return nil // in a ZIP, where copies are dropped: addCert counts
	}
	if len(d.certs)+n > d.lim.certs {
		return &ContainerError{Format: format, Offset: off, Err: fmt.Errorf("%w: %d certificates, more than %d", ErrTooLarge, len(d.certs)+n, d.lim.certs)}
	}
	return nil
}

// addCert parses the certificate element e of b and appends it, skipping a
// certificate already seen inside a ZIP archive. The certificate's own
// encoding must be DER.
func (d *decoder) addCert(b []byte, e *elem, format string) error {
	if e.indef {
		return &ContainerError{Format: format, Offset: e.start, Err: fmt.Errorf("%w: certificate with an indefinite length (not DER)", ErrMalformedContainer)}
	}
	raw := b[e.start:e.next]
	var h uint64
	if d.seen != nil {
		h = maphash.Bytes(d.seed, raw)
		if d.isSeen(h, raw) {
			return nil
		}
	}
	if len(d.certs) >= d.lim.certs {
		return &ContainerError{Format: format, Offset: e.start, Err: fmt.Errorf("%w: more than %d certificates", ErrTooLarge, d.lim.certs)}
	}
	if d.copyCerts {
		raw = bytes.Clone(raw)
	}
	cert, err := x509.ParseCertificate(raw)
	if err != nil {
		return &ContainerError{Format: format, Offset: e.start, Err: fmt.Errorf("invalid certificate: %w", err)}
	}
	if _, ok := d.seen[h]; d.seen != nil && !ok {
		d.seen[h] = len(d.certs)
	}
	if d.certs == nil {
		d.certs = make([]*x509.Certificate, 0, 4) // a typical chain, in one allocation
	}
	d.certs = append(d.certs, cert)
	return nil
}

// dropSince removes the certificates appended since certs held n, and
// their hashes from seen, undoing what they added.
func (d *decoder) dropSince(n int) {
	for i := n; d.seen != nil && i < len(d.certs); i++ {
		if h := maphash.Bytes(d.seed, d.certs[i].Raw); d.seen[h] == i {
			delete(d.seen, h)
		}
	}
	clear(d.certs[n:])
	d.certs = d.certs[:n]
}

// isSeen reports whether raw, whose hash is h, was returned since seen was
// made. Certificates whose hashes collide are compared one by one.
func (d *decoder) isSeen(h uint64, raw []byte) bool {
	i, ok := d.seen[h]
	if !ok {
		return false
	}
	if bytes.Equal(d.certs[i].Raw, raw) {
		return true
	}
	for _, c := range d.certs[d.seenFrom:] {
		if bytes.Equal(c.Raw, raw) {
			return true
		}
	}
	return false
}

// decodePKCS7 reads a ContentInfo whose content type (already read from it)
// is signedData:
//
//	ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
//	SignedData ::= SEQUENCE { version INTEGER, digestAlgorithms SET,
//	    encapContentInfo SEQUENCE, certificates [0] IMPLICIT SET OPTIONAL,
//	    crls [1] IMPLICIT SET OPTIONAL, signerInfos SET }
//
// Only the certificates are interpreted; the fields before them are checked
// for their tags, those after them only walked, and none is decoded.
func (d *decoder) decodePKCS7(w *walker, b []byte, top *elem, it *elemIter) error {
	fail := func(off int, what string) error {
		return &ContainerError{Format: "PKCS#7", Offset: off, Err: fmt.Errorf("%w: %s", ErrMalformedContainer, what)}
	}
	var content, sd, f elem
	ok, err := it.next(&content)
	if err != nil {
		return err
	}
	if !ok || !content.is(classContext, true, 0) {
		return fail(top.start, "ContentInfo without [0] content")
	}
	if ok, err := it.next(&f); err != nil || ok {
		return firstErr(err, fail(f.start, "unexpected element after ContentInfo content"))
	}
	inner := w.children(b, &content)
	ok, err = inner.next(&sd)
	if err != nil {
		return err
	}
	if !ok || !sd.is(classUniversal, true, tagSequence) {
		return fail(content.start, "content is not a SignedData SEQUENCE")
	}
	if ok, err := inner.next(&f); err != nil || ok {
		return firstErr(err, fail(f.start, "unexpected element after SignedData"))
	}

	fields := w.children(b, &sd)
	want := []struct {
		constructed bool
		num         uint32
		name        string
	}{{false, tagInteger, "version"}, {true, tagSet, "digestAlgorithms"}, {true, tagSequence, "encapContentInfo"}}
	for _, w := range want {
		ok, err := fields.next(&f)
		if err != nil {
			return err
		}
		if !ok || !f.is(classUniversal, w.constructed, w.num) {
			return fail(sd.start, "SignedData without "+w.name)
		}
	}
	// certificates [0] OPTIONAL, then crls and signerInfos. What follows the
	// certificates is walked (it must be well-formed BER, within SignedData)
	// but not interpreted: we verify no signature and need no CRL, and
	// writers disagree on those fields (signerInfos missing, unsorted,
	// indefinite).
	ok, err = fields.next(&f)
	if err != nil || !ok {
		return err
	}
	if f.is(classContext, true, 0) {
		if err := d.decodeCertSet(w, b, &f, "PKCS#7"); err != nil {
			return err
		}
	}
	for {
		ok, err := fields.next(&f)
		if err != nil || !ok {
			return err
		}
	}
}

// decodeCertSet decodes the elements of a SET OF CertificateChoices (or a
// SEQUENCE OF Certificate): each universal SEQUENCE is a certificate; the
// other choices of PKCS#7 (context-tagged extended and attribute
// certificates) are skipped.
func (d *decoder) decodeCertSet(w *walker, b []byte, set *elem, format string) error {
	// Count first: a set over the limit is refused before any certificate
	// of it is parsed. Walking the headers costs little beside parsing.
	var c elem
	n := 0
	for it := w.children(b, set); ; n++ {
		ok, err := it.next(&c)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if c.class == classContext {
			n--
		}
	}
	if err := d.checkCount(n, set.start, format); err != nil {
		return err
	}
	it := w.children(b, set)
	for {
		ok, err := it.next(&c)
		if err != nil || !ok {
			return err
		}
		switch {
		case c.is(classUniversal, true, tagSequence):
			if err := d.addCert(b, &c, format); err != nil {
				return err
			}
		case c.class == classContext:
			// Not an X.509 certificate.
		default:
			return &ContainerError{Format: format, Offset: c.start, Err: fmt.Errorf("%w: certificate set holds a non-certificate", ErrMalformedContainer)}
		}
	}
}

// decodeNetscape reads a Netscape certificate sequence whose OID (already
// read from it) has been checked:
//
//	SEQUENCE { OID 2.16.840.1.113730.2.5, [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
func (d *decoder) decodeNetscape(w *walker, b []byte, top *elem, it *elemIter) error {
	fail := func(off int, what string) error {
		return &ContainerError{Format: "Netscape", Offset: off, Err: fmt.Errorf("%w: %s", ErrMalformedContainer, what)}
	}
	var wrap, seq, extra elem
	ok, err := it.next(&wrap)
	if err != nil || !ok {
		return err // no [0]: no certificates, which decode reports
	}
	if !wrap.is(classContext, true, 0) {
		return fail(wrap.start, "expected [0] certificates")
	}
	if ok, err := it.next(&extra); err != nil || ok {
		return firstErr(err, fail(extra.start, "unexpected element after certificates"))
	}
	inner := w.children(b, &wrap)
	ok, err = inner.next(&seq)
	if err != nil {
		return err
	}
	if !ok || !seq.is(classUniversal, true, tagSequence) {
		return fail(wrap.start, "[0] does not hold a SEQUENCE OF Certificate")
	}
	if ok, err := inner.next(&extra); err != nil || ok {
		return firstErr(err, fail(extra.start, "unexpected element after SEQUENCE OF Certificate"))
	}
	return d.decodeCertSet(w, b, &seq, "Netscape")
}

// firstErr returns err if it is not nil, else alt.
func firstErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}
