// This file is a TEMPORARY stub of containerLen, the container-length probe
// owned by containers.go. It is deleted when the real one lands on main; if it
// is still here after a merge of main, delete it.

package collectssl

import (
	"encoding/binary"
	"errors"
)

var errStubNotContainer = errors.New("collectssl: not a DER, BER or ZIP container")

// containerLen reports whether b starts with one complete container and how long it is:
// a DER or BER TLV (indefinite lengths included) or a ZIP archive (up to the end of its EOCD record).
// complete=false, err=nil: a valid prefix that needs more bytes; err != nil: b cannot start a container.
func containerLen(b []byte) (n int, complete bool, err error) {
	if len(b) == 0 {
		return 0, false, nil
	}
	if b[0] == 'P' {
		return stubZIPLen(b)
	}
	if b[0] != 0x30 {
		return 0, false, errStubNotContainer
	}
	return stubTLVLen(b, 0)
}

func stubZIPLen(b []byte) (int, bool, error) {
	const sig = "PK\x03\x04"
	for i := 0; i < len(sig) && i < len(b); i++ {
		if b[i] != sig[i] {
			return 0, false, errStubNotContainer
		}
	}
	for i := 4; i+22 <= len(b); i++ {
		if b[i] != 'P' || b[i+1] != 'K' || b[i+2] != 5 || b[i+3] != 6 {
			continue
		}
		cdSize := binary.LittleEndian.Uint32(b[i+12:])
		cdOff := binary.LittleEndian.Uint32(b[i+16:])
		if uint64(cdSize)+uint64(cdOff) != uint64(i) {
			continue
		}
		n := i + 22 + int(binary.LittleEndian.Uint16(b[i+20:]))
		if n > len(b) {
			return 0, false, nil
		}
		return n, true, nil
	}
	return 0, false, nil
}

// stubTLVLen measures one BER TLV; depth bounds the recursion of indefinite lengths.
func stubTLVLen(b []byte, depth int) (int, bool, error) {
	if depth > 32 {
		return 0, false, errStubNotContainer
	}
	if len(b) < 2 {
		return 0, false, nil
	}
	i := 1
	if b[0]&0x1f == 0x1f {
		for {
			if i >= len(b) {
				return 0, false, nil
			}
			if i > 4 {
				return 0, false, errStubNotContainer
			}
			c := b[i]
			i++
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return 0, false, nil
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		n := i + int(l)
		return n, n <= len(b), nil
	case l == 0x80:
		if b[0]&0x20 == 0 {
			return 0, false, errStubNotContainer
		}
		for {
			if i+2 <= len(b) && b[i] == 0 && b[i+1] == 0 {
				return i + 2, true, nil
			}
			n, ok, err := stubTLVLen(b[i:], depth+1)
			if err != nil || !ok {
				return 0, false, err
			}
			i += n
		}
	default:
		k := int(l & 0x7f)
		if k > 4 {
			return 0, false, errStubNotContainer
		}
		if i+k > len(b) {
			return 0, false, nil
		}
		var v int
		for _, c := range b[i : i+k] {
			v = v<<8 | int(c)
		}
		n := i + k + v
		return n, n <= len(b), nil
	}
}
