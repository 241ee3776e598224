// Package progress implements the progress bar of Concord's long runs
// (verification, benchmarks) as specified in docs/SPEC.md, Section
// 17.9: a count, a rate and an estimate of the time left, redrawn in place
// on standard error when it is a terminal and silent otherwise.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Interval is the least time between two redraws.
const Interval = 200 * time.Millisecond

// width is the number of cells of the bar itself.
const width = 24

// Bar is a progress bar. A nil *Bar is valid and draws nothing, so callers
// need not test whether one is shown. Its methods are safe for concurrent
// use.
type Bar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	total int64 // 0: unknown
	n     int64
	now   func() time.Time
	start time.Time
	drawn time.Time // last redraw; zero before the first
	prev  int       // length of the last line drawn, to blank leftovers
}

// New returns a bar for a run of total steps (0 if unknown) that draws on
// standard error if it is a terminal, and nil (a bar that draws nothing)
// otherwise.
func New(label string, total int64) *Bar {
	if !IsTerminal(os.Stderr) {
		return nil
	}
	return NewWriter(os.Stderr, label, total, time.Now)
}

// IsTerminal reports whether f is a character device such as a terminal
// (and not a file or a pipe).
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// NewWriter returns a bar that always draws on w, reading the time from now.
func NewWriter(w io.Writer, label string, total int64, now func() time.Time) *Bar {
	return &Bar{w: w, label: label, total: total, now: now, start: now()}
}

// Set records that n steps are done and redraws the bar if Interval has
// passed since the last redraw.
func (b *Bar) Set(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n = n
	if t := b.now(); b.drawn.IsZero() || t.Sub(b.drawn) >= Interval {
		b.draw(t, false)
	}
}

// Add records that n more steps are done.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	m := b.n + n
	b.mu.Unlock()
	b.Set(m)
}

// Done draws the bar a last time and ends its line.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw(b.now(), true)
}

func (b *Bar) draw(t time.Time, final bool) {
	b.drawn = t
	line := Render(b.label, b.n, b.total, t.Sub(b.start))
	pad := max(0, b.prev-len(line))
	b.prev = len(line)
	end := ""
	if final {
		end = "\n"
	}
	fmt.Fprintf(b.w, "\r%s%s%s", line, strings.Repeat(" ", pad), end)
}

// Render returns the text of a bar after elapsed time with n of total
// steps done (total 0: unknown), for example
//
//	verify [##########..............]  42.0% 420,000/1,000,000  8,400/s  50s elapsed, 1m09s left
func Render(label string, n, total int64, elapsed time.Duration) string {
	var sb strings.Builder
	sb.WriteString(label)
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(n) / s
	}
	if total > 0 {
		frac := min(1, max(0, float64(n)/float64(total)))
		full := int(frac * width)
		fmt.Fprintf(&sb, " [%s%s] %5.1f%% %s/%s", strings.Repeat("#", full), strings.Repeat(".", width-full),
			100*frac, Count(n), Count(total))
	} else {
		fmt.Fprintf(&sb, " %s", Count(n))
	}
	fmt.Fprintf(&sb, "  %s/s  %s elapsed", Count(int64(rate+0.5)), Duration(elapsed))
	if total > 0 && n < total && rate > 0 {
		left := time.Duration(float64(total-n) / rate * float64(time.Second))
		fmt.Fprintf(&sb, ", %s left", Duration(left))
	}
	return sb.String()
}

// Count formats n with commas between groups of three digits.
func Count(n int64) string {
	if n < 0 {
		return "-" + Count(-n)
	}
	s := fmt.Sprint(n)
	var sb strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	return sb.String()
}

// Duration formats d rounded to the second as 1h02m03s, 2m03s or 3s.
func Duration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm%02ds", s/3600, s/60%60, s%60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	default:
		return fmt.Sprintf("%ds", s)
	}
}
