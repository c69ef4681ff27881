// This file holds the hooks the external tests need: the Client's clock.

package trustico

import "time"

// SetClock replaces the clock by which c's tokens are renewed.
func SetClock(c *Client, now func() time.Time) { c.st().now = now }
