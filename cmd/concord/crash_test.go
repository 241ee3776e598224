package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"concord/calendar"
	"concord/internal/pgtest"
	"concord/ledger"
	"concord/node"
)

// concordBinary returns an executable that runs this package's main: the
// copy of the test binary that testscript.Main (TestMain) puts in $PATH as
// "concord", or else a binary built with go build into a temporary
// directory.
func concordBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts and kills servers; skipped with -short")
	}
	if p, err := exec.LookPath("concord"); err == nil && strings.Contains(p, "testscript-main") {
		return p
	}
	bin := filepath.Join(t.TempDir(), "concord")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashServer is one "concord serve" process.
type crashServer struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{}
}

var (
	servingRE = regexp.MustCompile(`on http://(\S+)`)
	indexRE   = regexp.MustCompile(`"index":\s*(\d+)`)
)

// startServer starts "concord serve" on a free loopback port and waits
// until it listens.
func startServer(t *testing.T, bin string, env []string, ledgerArg string) *crashServer {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--ledger", ledgerArg, "--addr", "127.0.0.1:0", "--rate", "0")
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &crashServer{cmd: cmd, done: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	go func() { cmd.Wait(); close(s.done) }()
	select {
	case s.addr = <-addrc:
	case <-s.done:
		t.Fatalf("concord serve exited before listening: %s", stderr.String())
	case <-time.After(20 * time.Second):
		s.kill()
		t.Fatalf("concord serve did not listen within 20s: %s", stderr.String())
	}
	t.Cleanup(s.kill)
	return s
}

// kill sends SIGKILL and waits for the process to end.
func (s *crashServer) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// crashWriter sends one party's entries in order: its registration, then
// proclamations. It moves to the next entry only once the current one is
// known to be in the log (201, or 409 for an entry whose acknowledgement
// was lost in a crash).
type crashWriter struct {
	leaves [][]byte
	next   int
	acked  map[ledger.Hash]int64 // entry hash → index acknowledged with 201
	count  *atomic.Int64         // acknowledgements of every writer
}

func newCrashWriter(t *testing.T, w, n int, count *atomic.Int64) *crashWriter {
	k, err := ledger.NewKeyFromSeed(ledger.PartyID(fmt.Sprintf("writer-%d", w)), bytes.Repeat([]byte{byte(200 + w)}, 32))
	if err != nil {
		t.Fatal(err)
	}
	d, _ := calendar.ParseDate("1918-01-01")
	cw := &crashWriter{acked: map[ledger.Hash]int64{}, count: count}
	for i := range n {
		e := &ledger.Entry{Kind: ledger.KindAct, Effective: d,
			Act: &ledger.Act{Act: ledger.Proclamation, Text: fmt.Sprintf("proclamation %d of writer %d", i, w)}}
		if i == 0 {
			e = &ledger.Entry{Kind: ledger.KindParty, Effective: d,
				Party: &ledger.Party{ID: k.ID, Name: string(k.ID), Role: ledger.RoleState, Key: k.PublicKey()}}
		}
		e.V, e.Author = ledger.Version, k.ID
		s, err := ledger.Sign(e, k.PrivateKey())
		if err != nil {
			t.Fatal(err)
		}
		l, err := ledger.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		cw.leaves = append(cw.leaves, l)
	}
	return cw
}

var client = &http.Client{Timeout: 10 * time.Second}

// run posts entries to addr until ctx ends, the entries run out or the
// server stops answering. Unexpected answers are test errors.
func (cw *crashWriter) run(ctx context.Context, t *testing.T, addr string) {
	for cw.next < len(cw.leaves) && ctx.Err() == nil {
		l := cw.leaves[cw.next]
		resp, err := client.Post("http://"+addr+"/api/v1/entries", "application/json", bytes.NewReader(l))
		if err != nil {
			return // the server was killed; this entry's fate is unknown
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusCreated:
			var idx int64 = -1
			if m := indexRE.FindSubmatch(body); m != nil {
				idx, _ = strconv.ParseInt(string(m[1]), 10, 64)
			}
			cw.acked[ledger.LeafHash(l)] = idx
			cw.next++
			cw.count.Add(1)
		case http.StatusConflict:
			cw.next++
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			time.Sleep(10 * time.Millisecond)
		default:
			t.Errorf("POST entry %d: %s: %s", cw.next, resp.Status, body)
			return
		}
	}
}

// crashRun appends through servers from several writers, kills every
// server with SIGKILL while appends are under way, restarts them, appends
// again, and checks that every acknowledged entry is in the ledger exactly
// once at its index and that "concord verify" accepts the ledger.
func crashRun(t *testing.T, bin string, env []string, ledgerArg string, servers int, open func() (*node.Node, error)) {
	const writers, perWriter = 4, 200
	var count atomic.Int64
	ws := make([]*crashWriter, writers)
	for w := range ws {
		ws[w] = newCrashWriter(t, w, perWriter, &count)
	}
	// phase starts the servers and the writers, and once the writers have
	// had acks entries acknowledged in all (or wait has passed), kills the
	// servers while the writers are still appending (or, without kill,
	// stops the writers). The waits bound the test; the last one is long so
	// that a loaded machine still reaches the count the check below needs.
	phase := func(acks int64, wait time.Duration, kill bool) {
		var srv []*crashServer
		for range servers {
			srv = append(srv, startServer(t, bin, env, ledgerArg))
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var wg sync.WaitGroup
		for w, cw := range ws {
			wg.Go(func() { cw.run(ctx, t, srv[w%len(srv)].addr) })
		}
		if kill {
			for deadline := time.Now().Add(wait); count.Load() < acks && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			for _, s := range srv {
				s.kill() // while the writers are appending
			}
		} else {
			// Let the writers send all their entries, within wait.
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(wait):
				cancel()
			}
		}
		wg.Wait()
		for _, s := range srv {
			s.kill()
		}
	}
	phase(100, 3*time.Second, true)
	if n := count.Load(); n >= writers*perWriter {
		t.Fatalf("all %d entries were acknowledged before the first crash; append more", n)
	}
	phase(250, 3*time.Second, true)
	phase(writers*perWriter, 60*time.Second, false)
	if t.Failed() {
		return
	}

	n, err := open()
	if err != nil {
		t.Fatalf("reopening the ledger after the crashes: %v", err)
	}
	defer n.Close()
	ctx := context.Background()
	leaves, err := n.Leaves(ctx, 0, n.Size())
	if err != nil {
		t.Fatal(err)
	}
	at := map[ledger.Hash][]int64{}
	for i, l := range leaves {
		h := ledger.LeafHash(l)
		at[h] = append(at[h], int64(i))
	}
	total := 0
	for w, cw := range ws {
		total += len(cw.acked)
		for h, idx := range cw.acked {
			if got := at[h]; len(got) != 1 || got[0] != idx {
				t.Errorf("writer %d: entry acknowledged at index %d is at %v; want exactly once at %d", w, idx, got, idx)
			}
		}
	}
	if total < 300 {
		t.Errorf("only %d entries acknowledged in all; want at least 300 for the test to mean anything", total)
	}
	t.Logf("%d entries acknowledged, %d in the ledger, over 2 crashes", total, len(leaves))
	if _, err := n.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "verify", ledgerArg)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nok\n") {
		t.Errorf("concord verify after the crashes: %v\n%s", err, out)
	}
}

// TestCrash kills "concord serve" with SIGKILL during appends and
// restarts it (SPEC §6.2, §17.8): acknowledged entries survive, exactly
// once, and the ledger verifies. Two servers share the ledger, a SQLite
// file or a PostgreSQL database, and are killed at once.
func TestCrash(t *testing.T) {
	bin := concordBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "crash.db")
		if out, err := exec.Command(bin, "init", "--ledger", path).CombinedOutput(); err != nil {
			t.Fatalf("concord init: %v\n%s", err, out)
		}
		crashRun(t, bin, nil, path, 2, func() (*node.Node, error) { return node.Open(context.Background(), path) })
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.NewDatabase(t)
		keyFile := filepath.Join(t.TempDir(), "log.key")
		if out, err := exec.Command(bin, "init", "--ledger", url, "--log-key", keyFile).CombinedOutput(); err != nil {
			t.Fatalf("concord init: %v\n%s", err, out)
		}
		env := []string{node.LogKeyEnv + "=" + keyFile}
		crashRun(t, bin, env, url, 2, func() (*node.Node, error) {
			return node.OpenWith(context.Background(), url, node.Options{LogKey: keyFile})
		})
	})
}
