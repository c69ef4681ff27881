// This file holds readAtMost, the bounded read of a response body and of a
// ZIP entry.

package collectssl

import "io"

// readAtMost reads r to its end, or to limit+1 bytes if it holds more, as
// io.ReadAll of an io.LimitReader would: the caller tells the two apart by
// the length. It returns what it read, and the reader's error if any but
// io.EOF.
//
// declared is the length the sender announced (<= 0 for none; above limit,
// limit). It sizes the buffer, but at first never beyond prealloc: the
// announcement is the sender's word, and many small inputs announcing
// large ones must not cost their announcements. Input that fills that
// buffer has shown it is large: the buffer then grows to the announced
// length at once (to limit/prealloc times what it has shown, at most),
// rather than doubling from the start, which costs about twice the input
// again in buffers left behind. Past the announcement it doubles, and one
// byte past limit it stops. What a short input is, is the reader's to say.
func readAtMost(r io.Reader, declared, limit int64, prealloc int) ([]byte, error) {
	want := int(min(declared, limit))
	first := min(want, prealloc) + 1 // the byte more sees the end without growing
	if declared <= 0 {
		want, first = 0, 512 // as io.ReadAll starts
	}
	buf := make([]byte, 0, first)
	lr := io.LimitReader(r, limit+1)
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = append(make([]byte, 0, int(min(int64(max(want+1, 2*cap(buf))), limit+1))), buf...)
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
