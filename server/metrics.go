package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// latencyBuckets are the upper bounds, in seconds, of the append latency
// histogram (SPEC §18.8).
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

type routeCode struct {
	route string
	code  int
}

// metrics holds the counters of SPEC §18.8, written out in the Prometheus
// text exposition format 0.0.4 without a client library.
type metrics struct {
	mu       sync.Mutex
	requests map[routeCode]uint64
	appends  uint64
	ballots  uint64
	refusals map[string]uint64
	buckets  []uint64 // cumulative counts are computed when written
	sum      float64
	count    uint64
}

func newMetrics() *metrics {
	return &metrics{
		requests: make(map[routeCode]uint64),
		refusals: make(map[string]uint64),
		buckets:  make([]uint64, len(latencyBuckets)),
	}
}

func (m *metrics) request(route string, code int) {
	m.mu.Lock()
	m.requests[routeCode{route, code}]++
	m.mu.Unlock()
}

func (m *metrics) refusal(rule string) {
	m.mu.Lock()
	m.refusals[rule]++
	m.mu.Unlock()
}

func (m *metrics) ballot() {
	m.mu.Lock()
	m.ballots++
	m.mu.Unlock()
}

func (m *metrics) appended(d time.Duration) {
	s := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.appends++
	m.count++
	m.sum += s
	for i, b := range latencyBuckets {
		if s <= b {
			m.buckets[i]++
			break
		}
	}
}

// write writes the exposition text; size is the log's size.
func (m *metrics) write(b *strings.Builder, size int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b.WriteString("# HELP concord_http_requests_total HTTP requests by route and status code.\n")
	b.WriteString("# TYPE concord_http_requests_total counter\n")
	keys := make([]routeCode, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b routeCode) int {
		if c := strings.Compare(a.route, b.route); c != 0 {
			return c
		}
		return a.code - b.code
	})
	for _, k := range keys {
		fmt.Fprintf(b, "concord_http_requests_total{route=%q,code=\"%d\"} %d\n", k.route, k.code, m.requests[k])
	}
	b.WriteString("# HELP concord_appends_total Entries appended to the log through the API.\n")
	b.WriteString("# TYPE concord_appends_total counter\n")
	fmt.Fprintf(b, "concord_appends_total %d\n", m.appends)
	b.WriteString("# HELP concord_ballots_total Ballots accepted through the API.\n")
	b.WriteString("# TYPE concord_ballots_total counter\n")
	fmt.Fprintf(b, "concord_ballots_total %d\n", m.ballots)
	b.WriteString("# HELP concord_refusals_total Entries refused by an append rule, by SPEC subsection.\n")
	b.WriteString("# TYPE concord_refusals_total counter\n")
	rules := make([]string, 0, len(m.refusals))
	for r := range m.refusals {
		rules = append(rules, r)
	}
	slices.Sort(rules)
	for _, r := range rules {
		fmt.Fprintf(b, "concord_refusals_total{rule=%q} %d\n", r, m.refusals[r])
	}
	b.WriteString("# HELP concord_append_seconds Latency of appends (rules, durable commit).\n")
	b.WriteString("# TYPE concord_append_seconds histogram\n")
	var cum uint64
	for i, le := range latencyBuckets {
		cum += m.buckets[i]
		fmt.Fprintf(b, "concord_append_seconds_bucket{le=\"%s\"} %d\n", strconv.FormatFloat(le, 'g', -1, 64), cum)
	}
	fmt.Fprintf(b, "concord_append_seconds_bucket{le=\"+Inf\"} %d\n", m.count)
	fmt.Fprintf(b, "concord_append_seconds_sum %s\n", strconv.FormatFloat(m.sum, 'g', -1, 64))
	fmt.Fprintf(b, "concord_append_seconds_count %d\n", m.count)
	b.WriteString("# HELP concord_log_size Entries in the log.\n")
	b.WriteString("# TYPE concord_log_size gauge\n")
	fmt.Fprintf(b, "concord_log_size %d\n", size)
}

// serveMetrics implements GET /metrics.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	var b strings.Builder
	s.metrics.write(&b, s.n.Size())
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, err := w.Write([]byte(b.String()))
	return err
}
