package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"concord/node"
)

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
		ok     bool
	}{
		{"127.0.0.1:8080", false, true},
		{"[::1]:8080", false, true},
		{"localhost:0", false, true},
		{"0.0.0.0:8080", false, false},
		{":8080", false, false},
		{"192.0.2.1:80", false, false},
		{"0.0.0.0:8080", true, true},
		{"nonsense", true, false},
	} {
		err := checkLoopback(tc.addr, tc.public)
		if (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q, %v) = %v; want ok=%v", tc.addr, tc.public, err, tc.ok)
		}
		var u *usageError
		if err != nil && !errors.As(err, &u) {
			t.Errorf("checkLoopback(%q, %v) = %v; want a usage error", tc.addr, tc.public, err)
		}
	}
}

func TestServe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	n, err := node.Create(context.Background(), path, "concord.test/serve")
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs bytes.Buffer
	addrc := make(chan string, 1)
	c := &ServeCommand{out: &out, log: &logs, ready: func(a string) { addrc <- a }}
	errc := make(chan error, 1)
	go func() { errc <- c.Run(ctx, []string{"--ledger", path, "--addr", "127.0.0.1:0", "--log-json"}) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-errc:
		t.Fatalf("serve: %v", err)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"status":"ok"`) {
		t.Fatalf("GET /healthz = %d %s", resp.StatusCode, b)
	}
	resp, err = http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "<html") {
		t.Errorf("GET / = %d %q; want the web explorer's page", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
	if !strings.Contains(out.String(), "serving ledger") || !strings.Contains(out.String(), "server stopped") {
		t.Errorf("output %q", out.String())
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), `"route":"healthz"`) {
		t.Errorf("request log %q lacks the healthz request", logs.String())
	}

	err = (&ServeCommand{out: io.Discard}).Run(context.Background(), []string{"--ledger", path, "--addr", "0.0.0.0:0"})
	var u *usageError
	if !errors.As(err, &u) {
		t.Errorf("serve on 0.0.0.0 without --public = %v; want a usage error", err)
	}
}
