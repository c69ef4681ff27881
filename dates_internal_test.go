package collectssl

import (
	"testing"
	"time"
)

// dateOracle is what parseDate must agree with: the time layout it stands
// for.
func dateOracle(s string) (time.Time, bool) {
	t, err := time.Parse("2/1/2006", s)
	return t, err == nil
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{
		"14/03/2025", "1/3/2025", "01/3/2025", "31/12/9999", "29/02/2024", "29/02/2025", "31/04/2025",
		"00/01/2025", "01/00/2025", "01/13/2025", "1/1/25", "1/1/02025", "001/1/2025", "1/001/2025",
		"1-1-2025", "1/1/2025 ", " 1/1/2025", "+1/1/2025", "1/1/-202", "1/1/0000", "", "/", "//", "1//2025",
		"32/01/2025", "99/99/9999", "1/1/2025x", "1/1", "01/01/0001",
	} {
		got, ok := parseDate([]byte(s))
		want, wantOK := dateOracle(s)
		if ok != wantOK || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; time.Parse says %v, %v", s, got, ok, want, wantOK)
		}
		if ok && got.Location() != time.UTC {
			t.Errorf("parseDate(%q) is in %v, not UTC", s, got.Location())
		}
	}
}

// FuzzParseDate checks parseDate against time.Parse on any input.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"14/03/2025", "1/3/2025", "29/02/2024", "31/04/2025", "1/1/0000", "00/1/2025"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseDate([]byte(s))
		want, wantOK := dateOracle(s)
		if ok != wantOK || !got.Equal(want) {
			t.Fatalf("parseDate(%q) = %v, %v; time.Parse says %v, %v", s, got, ok, want, wantOK)
		}
	})
}
