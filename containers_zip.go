// This file holds the ZIP side of DecodeCertificates: an archive read in
// memory with archive/zip, every entry classified by its content, bounded in
// count and in declared and inflated size; and the ZIP framing containerLen
// uses (zipLen: where an archive ends in a stream). Nothing is ever written to
// disk, so entry names (even ../../etc/passwd) are never used.

package collectssl

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
)

var errEncryptedEntry = errors.New("encrypted ZIP entry")

// decodeZIP decodes every entry of the archive that fills b. Entries that
// hold no certificate (a readme, an empty file, a key) are ignored; a
// certificate that several entries hold (a .crt and a .ca-bundle) is
// returned once, where it was first found.
func (d *decoder) decodeZIP(b []byte) error {
	zerr := func(off int, reason error) error {
		return &ContainerError{Format: "ZIP", Offset: off, Err: reason}
	}
	n, eocd, complete, err := zipEnd(b)
	switch {
	case err != nil:
		return err
	case !complete:
		return zerr(-1, fmt.Errorf("%w: no end of central directory record", ErrMalformedContainer))
	case n != len(b):
		return zerr(n, ErrTrailingData)
	}
	// The end record's entry count, checked before archive/zip reads the
	// directory into memory.
	if entries := int(binary.LittleEndian.Uint16(b[eocd+10:])); entries > d.lim.zipEntries {
		return zerr(-1, fmt.Errorf("%w: %d entries, limit %d", ErrTooLarge, entries, d.lim.zipEntries))
	}
	// The end record counts entries modulo 65536 and archive/zip reads every
	// central header there is, so count them ourselves before it allocates
	// one *zip.File each (zipEnd checked the directory's bounds).
	if cd := int(binary.LittleEndian.Uint32(b[eocd+16:])); centralCount(b[cd:eocd], d.lim.zipEntries+1) > d.lim.zipEntries {
		return zerr(-1, fmt.Errorf("%w: more than %d entries", ErrTooLarge, d.lim.zipEntries))
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// ErrInsecurePath is harmless here: nothing is written anywhere.
		return zerr(-1, fmt.Errorf("%w: %w", ErrMalformedContainer, err))
	}
	if len(zr.File) > d.lim.zipEntries {
		return zerr(-1, fmt.Errorf("%w: %d entries, limit %d", ErrTooLarge, len(zr.File), d.lim.zipEntries))
	}
	if d.seen == nil {
		d.seen, d.seenFrom, d.seed = make(map[uint64]int), len(d.certs), maphash.MakeSeed()
	}
	before := len(d.certs)
	var skipped error
	for i, f := range zr.File {
		entryErr := func(why error) error {
			return zerr(-1, within(why, "entry %d", i+1))
		}
		if f.Flags&0x1 != 0 {
			return entryErr(fmt.Errorf("%w: %w", ErrMalformedContainer, errEncryptedEntry))
		}
		if f.UncompressedSize64 > uint64(d.lim.zipEntry) {
			return entryErr(fmt.Errorf("%w: declares %d bytes, limit %d", ErrTooLarge, f.UncompressedSize64, d.lim.zipEntry))
		}
		if f.UncompressedSize64 == 0 && f.CompressedSize64 == 0 {
			continue // a directory or an empty file
		}
		fatal, err := d.decodeEntry(f)
		if fatal {
			return entryErr(err)
		}
		switch {
		case err == nil:
		case errors.Is(err, ErrTooLarge):
			return entryErr(err)
		case errors.Is(err, ErrUnknownFormat) || errors.Is(err, ErrNoCertificates):
			// Not a certificate file (a readme, a key), decided by content,
			// not by name.
		default:
			// DER or text that is no certificate (a CRL, a CSR, a readme
			// that starts with "0"): skipped too. Should the archive hold no
			// certificate at all, the first such failure says why.
			if skipped == nil {
				skipped = entryErr(err)
			}
		}
	}
	if len(d.certs) == before && skipped != nil {
		return skipped
	}
	return nil
}

// centralCount counts the central directory headers at the start of cd,
// stopping at limit.
func centralCount(cd []byte, limit int) int {
	n := 0
	for len(cd) >= zipCentralMin && string(cd[:4]) == zipCentralSig && n < limit {
		size := zipCentralMin + int(binary.LittleEndian.Uint16(cd[28:])) +
			int(binary.LittleEndian.Uint16(cd[30:])) + int(binary.LittleEndian.Uint16(cd[32:]))
		if size > len(cd) {
			break
		}
		cd, n = cd[size:], n+1
	}
	return n
}

// decodeEntry decodes one entry of an archive as decode would decode its
// inflated bytes. fatal says the entry could not be read (corrupt, or over
// a limit), which ends the archive; otherwise err is why what it holds is
// no certificate.
//
// A large entry (from minZipStreamSize bytes declared) that starts as a
// certificate file does, with a BEGIN CERTIFICATE line, is decoded as it
// inflates (streamPEM), without holding its text; should it hold anything
// streamPEM does not read, or any error, it is inflated again and read
// whole, so that the certificates and errors are the same either way (a
// hostile archive can thus make the limits' worth of entries inflate
// twice, no more).
func (d *decoder) decodeEntry(f *zip.File) (fatal bool, err error) {
	budget := min(d.lim.zipEntry, d.lim.zipInflated-d.inflated)
	rc, err := f.Open()
	if err != nil {
		return true, fmt.Errorf("%w: %w", ErrMalformedContainer, err)
	}
	var r io.Reader = rc
	if f.UncompressedSize64 >= uint64(d.lim.zipStream) {
		text := d.textReader(rc, budget)
		r = text
		if head, _ := text.Peek(len(pemBeginCert)); string(head) == pemBeginCert {
			ok, err := d.streamPEM(text, f.UncompressedSize64, budget)
			rc.Close() // a read error shows again below
			if ok {
				return false, err
			}
			if rc, err = f.Open(); err != nil {
				return true, fmt.Errorf("%w: %w", ErrMalformedContainer, err)
			}
			r = d.textReader(rc, budget)
		}
	}
	defer rc.Close()
	data, err := d.readEntry(r, f.UncompressedSize64, budget)
	if err != nil {
		return true, err
	}
	return false, d.decode(data, false)
}

// textReader returns d.text reading r up to one byte past budget, so that
// an entry over it shows.
func (d *decoder) textReader(r io.Reader, budget int) *bufio.Reader {
	if d.text == nil {
		d.text = bufio.NewReaderSize(nil, pemLineBuffer)
	}
	d.text.Reset(io.LimitReader(r, int64(budget)+1))
	return d.text
}

const (
	// zipEntryPrealloc bounds the buffer allocated for an entry on the
	// word of its declared size: a certificate file is a few KiB.
	zipEntryPrealloc = 64 << 10

	// minZipStreamSize is the declared size from which decodeEntry
	// streams an entry of PEM text: below it, reading the entry whole
	// costs little memory and less time.
	minZipStreamSize = zipEntryPrealloc
)

// readEntry reads the inflated bytes of one entry from r, bounded by
// budget, what is left of the entry and archive limits, whatever the entry
// declares.
func (d *decoder) readEntry(r io.Reader, declared uint64, budget int) ([]byte, error) {
	// The declared size is the sender's word: 256 entries declaring 1 MiB
	// each but holding a byte must not cost 256 MiB (readAtMost).
	buf, err := readAtMost(r, int64(min(declared, uint64(budget))), int64(budget), zipEntryPrealloc)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedContainer, err)
	}
	d.inflated += len(buf)
	if len(buf) > budget {
		if budget < d.lim.zipEntry {
			return nil, fmt.Errorf("%w: archive inflates to more than %d bytes", ErrTooLarge, d.lim.zipInflated)
		}
		return nil, fmt.Errorf("%w: entry inflates to more than %d bytes", ErrTooLarge, d.lim.zipEntry)
	}
	return buf, nil
}

// ZIP signatures and record sizes (APPNOTE.TXT 4.3).
const (
	zipLocalSig   = "PK\x03\x04"
	zipCentralSig = "PK\x01\x02"
	zipEOCDSig    = "PK\x05\x06"
	zipEOCDLen    = 22
	zipCentralMin = 46 // a central directory header without name, extra or comment
)

// zipLen is containerLen for a ZIP archive. It scans forward for an
// end-of-central-directory record whose central directory ends exactly where
// the record starts (and starts with a central header), so that a signature
// inside compressed data or a comment is not taken for it. ZIP64 archives are
// not supported: a certificate archive is a few KiB.
func zipLen(b []byte) (n int, complete bool, err error) {
	n, _, complete, err = zipEnd(b)
	return n, complete, err
}

// zipEnd is zipLen that also returns the offset of the end record.
func zipEnd(b []byte) (n, eocd int, complete bool, err error) {
	zerr := func(off int, reason string) error {
		return &ContainerError{Format: "ZIP", Offset: off, Err: fmt.Errorf("%w: %s", ErrMalformedContainer, reason)}
	}
	// The archive starts with a local file header, or with the end record
	// itself when it is empty.
	head := min(len(b), 4)
	if string(b[:head]) != zipLocalSig[:head] && string(b[:head]) != zipEOCDSig[:head] {
		return 0, 0, false, zerr(0, "no ZIP signature")
	}
	from := 0
	for {
		i := bytes.Index(b[from:], []byte(zipEOCDSig))
		if i < 0 {
			if len(b) > maxInputSize {
				return 0, 0, false, &ContainerError{Format: "ZIP", Offset: -1, Err: fmt.Errorf("%w: no end of archive within %d bytes", ErrTooLarge, maxInputSize)}
			}
			return 0, 0, false, nil
		}
		p := from + i
		if len(b)-p < zipEOCDLen {
			return 0, 0, false, nil
		}
		r := b[p : p+zipEOCDLen]
		disk := binary.LittleEndian.Uint16(r[4:])
		cdDisk := binary.LittleEndian.Uint16(r[6:])
		diskEntries := binary.LittleEndian.Uint16(r[8:])
		entries := binary.LittleEndian.Uint16(r[10:])
		cdSize := binary.LittleEndian.Uint32(r[12:])
		cdOff := binary.LittleEndian.Uint32(r[16:])
		comment := int(binary.LittleEndian.Uint16(r[20:]))
		if cdOff == 0xffffffff || cdSize == 0xffffffff || entries == 0xffff {
			return 0, 0, false, zerr(p, "ZIP64 archives are not supported")
		}
		ok := disk == 0 && cdDisk == 0 && diskEntries == entries &&
			uint64(cdOff)+uint64(cdSize) == uint64(p) &&
			(entries == 0) == (cdSize == 0) &&
			(cdSize == 0 || (cdSize >= zipCentralMin && string(b[cdOff:cdOff+4]) == zipCentralSig))
		if ok {
			if len(b)-p-zipEOCDLen < comment {
				return 0, 0, false, nil
			}
			return p + zipEOCDLen + comment, p, true, nil
		}
		from = p + 1
	}
}
