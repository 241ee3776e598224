package progress

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// clock is a fake clock the test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{t: time.Date(1917, 11, 7, 0, 0, 0, 0, time.UTC)} }

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		n, total int64
		elapsed  time.Duration
		want     string
	}{
		{0, 1_000_000, 0, "verify [........................]   0.0% 0/1,000,000  0/s  0s elapsed"},
		{420_000, 1_000_000, 50 * time.Second,
			"verify [##########..............]  42.0% 420,000/1,000,000  8,400/s  50s elapsed, 1m09s left"},
		{1_000_000, 1_000_000, 2 * time.Minute, "verify [########################] 100.0% 1,000,000/1,000,000  8,333/s  2m00s elapsed"},
		{1234, 0, 2 * time.Second, "verify 1,234  617/s  2s elapsed"},
		{3_000_000, 6_000_000, time.Hour, "verify [############............]  50.0% 3,000,000/6,000,000  833/s  1h00m00s elapsed, 1h00m00s left"},
	} {
		if got := Render("verify", tc.n, tc.total, tc.elapsed); got != tc.want {
			t.Errorf("Render(%d, %d, %v) =\n%q; want\n%q", tc.n, tc.total, tc.elapsed, got, tc.want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q; want %q", n, got, want)
		}
	}
}

func TestBarThrottlesAndEnds(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := NewWriter(&buf, "x", 100, c.now)
	b.Set(1) // first call draws
	c.advance(Interval / 2)
	b.Set(2) // too soon: not drawn
	if got := strings.Count(buf.String(), "\r"); got != 1 {
		t.Errorf("after two quick Sets: %d redraws; want 1 (%q)", got, buf.String())
	}
	c.advance(Interval)
	b.Add(8)
	if !strings.Contains(buf.String(), " 10/100 ") {
		t.Errorf("after Add(8): %q lacks 10/100", buf.String())
	}
	b.Done()
	if !strings.HasSuffix(buf.String(), "\n") || strings.Count(buf.String(), "\r") != 3 {
		t.Errorf("after Done: %q; want three redraws ending in a newline", buf.String())
	}
}

func TestBarBlanksLeftovers(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := NewWriter(&buf, "x", 0, c.now)
	c.advance(time.Hour)
	b.Set(1_000_000) // long line
	c.advance(-time.Hour + time.Second)
	buf.Reset()
	b.Done() // shorter line: padded to cover the longer one
	first := len(Render("x", 1_000_000, 0, time.Hour))
	if got := len(strings.TrimSuffix(strings.TrimPrefix(buf.String(), "\r"), "\n")); got != first {
		t.Errorf("redraw is %d characters; want %d to blank the longer line before", got, first)
	}
}

func TestNilBarAndNotATerminal(t *testing.T) {
	var b *Bar
	b.Set(1)
	b.Add(1)
	b.Done() // must not panic
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Errorf("IsTerminal(regular file) = true; want false")
	}
}

func BenchmarkSet(b *testing.B) {
	var buf bytes.Buffer
	bar := NewWriter(&buf, "x", int64(b.N), time.Now)
	for i := range b.N {
		bar.Set(int64(i))
	}
}
