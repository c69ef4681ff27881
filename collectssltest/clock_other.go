//go:build !linux

package collectssltest

import "errors"

// platformAlarm: no alarm here; the clock uses time.AfterFunc.
func platformAlarm() (alarm, error) {
	return nil, errors.New("collectssltest: no timerfd on this platform")
}
