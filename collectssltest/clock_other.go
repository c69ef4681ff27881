//go:build !linux

// This file holds the clock's alarm where there is none: each wait is a
// time.AfterFunc.

package collectssltest

import "errors"

// platformAlarm: no alarm here; the clock uses time.AfterFunc.
func platformAlarm() (alarm, error) {
	return nil, errors.New("collectssltest: no timerfd on this platform")
}
