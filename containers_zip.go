// This file holds the ZIP side of DecodeCertificates: an archive read in
// memory with archive/zip, every entry classified by its content, bounded in
// count and in declared and inflated size. Nothing is ever written to disk,
// so entry names (even ../../etc/passwd) are never used.

package collectssl

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

var errEncryptedEntry = errors.New("collectssl: encrypted ZIP entry")

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
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// ErrInsecurePath is harmless here: nothing is written anywhere.
		return zerr(-1, fmt.Errorf("%w: %w", ErrMalformedContainer, err))
	}
	if len(zr.File) > d.lim.zipEntries {
		return zerr(-1, fmt.Errorf("%w: %d entries, limit %d", ErrTooLarge, len(zr.File), d.lim.zipEntries))
	}
	if d.seen == nil {
		d.seen = make(map[string]struct{})
	}
	before := len(d.certs)
	var skipped error
	for i, f := range zr.File {
		entryErr := func(reason error) error {
			return zerr(-1, fmt.Errorf("entry %d: %w", i+1, reason))
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
		data, err := d.readEntry(f)
		if err != nil {
			return entryErr(err)
		}
		err = d.decode(data, false)
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

// readEntry inflates one entry, bounded by the entry and archive limits
// whatever the entry declares.
func (d *decoder) readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedContainer, err)
	}
	defer rc.Close()
	budget := min(d.lim.zipEntry, d.lim.zipInflated-d.inflated)
	buf, err := io.ReadAll(io.LimitReader(rc, int64(budget)+1))
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
