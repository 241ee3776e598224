package server

import (
	"sync"
	"time"
)

// limiter is a set of token buckets keyed by client address or credential
// (SPEC §18.4). Idle buckets are dropped once full, so memory stays
// bounded by the keys active within about Burst/PerSecond seconds.
type limiter struct {
	rate Rate
	now  func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets is the number of buckets above which a sweep drops full ones.
const maxBuckets = 10000

func newLimiter(r Rate, now func() time.Time) *limiter {
	return &limiter{rate: r, now: now, buckets: make(map[string]*bucket)}
}

// allow takes one token from key's bucket. If there is none, it returns
// false and how long until one is available.
func (l *limiter) allow(key string) (wait time.Duration, ok bool) {
	if l.rate.PerSecond <= 0 {
		return 0, true
	}
	burst := float64(max(l.rate.Burst, 1))
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > maxBuckets && now.Sub(l.swept) > time.Second {
		l.sweep(now, burst)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*l.rate.PerSecond)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate.PerSecond * float64(time.Second)), false
}

// sweep drops the buckets that have refilled completely. l.mu is held.
func (l *limiter) sweep(now time.Time, burst float64) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate.PerSecond >= burst {
			delete(l.buckets, k)
		}
	}
	l.swept = now
}
