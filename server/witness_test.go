package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"concord/tlog"
)

// addCheckpointBody formats a C2SP tlog-witness add-checkpoint request.
func addCheckpointBody(old int64, proof []tlog.Hash, cp []byte) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		b.WriteString(h.String() + "\n")
	}
	b.WriteString("\n")
	b.Write(cp)
	return []byte(b.String())
}

func newWitness(t *testing.T, name string) (*tlog.Witness, note.Verifier) {
	t.Helper()
	skey, vkey, err := tlog.GenerateWitnessKey(name)
	if err != nil {
		t.Fatal(err)
	}
	w, err := tlog.OpenWitness(skey, filepath.Join(t.TempDir(), "witness.state"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewWitnessVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return w, v
}

// TestWitness runs the tlog-witness protocol against the server's witness
// endpoint, then returns the cosignatures to the log.
func TestWitness(t *testing.T) {
	n := newNode(t)
	ctx := t.Context()
	wit, wv := newWitness(t, "witness.test/w1")
	_, otherV := newWitness(t, "witness.test/w2")
	ts, _ := newTestServer(t, n, Options{Witness: wit, CosignerKeys: []note.Verifier{otherV, wv}})
	url := ts.URL + "/add-checkpoint"
	for i := range 3 {
		if _, err := n.Append(ctx, partyLeaf(t, i)); err != nil {
			t.Fatal(err)
		}
	}
	cp3, err := n.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	resp, line := post(t, ts.Client(), url, "", addCheckpointBody(0, nil, cp3))
	if resp.StatusCode != 200 {
		t.Fatalf("add-checkpoint size 3 = %d %s", resp.StatusCode, line)
	}
	if _, err := tlog.VerifyCheckpoint(append(cp3, line...), testOrigin, n.Verifier(), wv); err != nil {
		t.Fatalf("cosigned checkpoint: %v", err)
	}

	// Return the cosignature to the log.
	req, _ := json.Marshal(map[string]any{"size": 3, "cosignature": string(line)})
	resp, b := post(t, ts.Client(), ts.URL+"/api/v1/cosignatures", "application/json", req)
	if resp.StatusCode != 200 {
		t.Fatalf("POST cosignature = %d %s", resp.StatusCode, b)
	}
	_, b = get(t, ts.URL+"/checkpoint")
	c, err := tlog.VerifyCheckpoint(b, testOrigin, n.Verifier(), wv)
	if err != nil || len(c.Witnesses) != 1 {
		t.Fatalf("GET /checkpoint after cosigning: %v, witnesses %v; want one", err, c)
	}

	for i := 3; i < 7; i++ {
		if _, err := n.Append(ctx, partyLeaf(t, i)); err != nil {
			t.Fatal(err)
		}
	}
	cp7, err := n.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := n.ProveConsistency(ctx, 3, 7)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]tlog.Hash(nil), proof...)
	bad[0][0] ^= 1
	forged := []byte(strings.Replace(string(cp7), "\n7\n", "\n8\n", 1))
	strangerLog := []byte(strings.Replace(string(cp7), testOrigin, "other.test/log", 1))
	for _, tc := range []struct {
		name string
		body []byte
		code int
		want string
	}{
		{"stale old size", addCheckpointBody(0, nil, cp7), 409, "3\n"},
		{"wrong old size", addCheckpointBody(5, proof, cp7), 409, "3\n"},
		{"old above size", addCheckpointBody(9, proof, cp7), 400, ""},
		{"bad proof", addCheckpointBody(3, bad, cp7), 422, ""},
		{"forged checkpoint", addCheckpointBody(3, proof, forged), 403, ""},
		{"unknown origin", addCheckpointBody(3, proof, strangerLog), 404, ""},
		{"no old line", []byte("\n" + string(cp7)), 400, ""},
		{"empty body", nil, 400, ""},
		{"leading zero", []byte("old 03\n\n" + string(cp7)), 400, ""},
		{"proof with old 0", addCheckpointBody(0, proof, cp7), 400, ""},
		{"good", addCheckpointBody(3, proof, cp7), 200, "— witness.test/w1 "},
		{"same again", addCheckpointBody(7, nil, cp7), 200, "— witness.test/w1 "},
	} {
		resp, b := post(t, ts.Client(), url, "text/plain", tc.body)
		if resp.StatusCode != tc.code || !strings.HasPrefix(string(b), tc.want) {
			t.Errorf("%s: add-checkpoint = %d %q; want %d %q", tc.name, resp.StatusCode, b, tc.code, tc.want)
		}
		if tc.code == 409 && resp.Header.Get("Content-Type") != "text/x.tlog.size" {
			t.Errorf("%s: Content-Type %q; want text/x.tlog.size", tc.name, resp.Header.Get("Content-Type"))
		}
	}

	// Cosignatures the log refuses.
	for _, tc := range []struct {
		name string
		body string
		code int
	}{
		{"unknown size", `{"size": 99, "cosignature": "` + strings.TrimSuffix(string(line), "\n") + `"}`, 404},
		{"wrong checkpoint", `{"size": 7, "cosignature": "` + strings.TrimSuffix(string(line), "\n") + `"}`, 403},
		{"malformed", `{"size": 3`, 400},
		{"unknown field", `{"size": 3, "cosignature": "x", "extra": 1}`, 400},
		{"missing size", `{"cosignature": "x"}`, 400},
	} {
		resp, b := post(t, ts.Client(), ts.URL+"/api/v1/cosignatures", "application/json", []byte(tc.body))
		if resp.StatusCode != tc.code {
			t.Errorf("%s: POST cosignature = %d %s; want %d", tc.name, resp.StatusCode, b, tc.code)
		}
		errorBody(t, b)
	}
}

func TestNoWitness(t *testing.T) {
	ts, _ := newTestServer(t, newNode(t), Options{})
	resp, b := post(t, ts.Client(), ts.URL+"/add-checkpoint", "", []byte("old 0\n\n"))
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), "no witness configured") {
		t.Errorf("add-checkpoint without witness = %d %s; want 404 no witness configured", resp.StatusCode, b)
	}
	resp, b = post(t, ts.Client(), ts.URL+"/api/v1/cosignatures", "application/json", []byte(`{"size":0,"cosignature":"— a b\n"}`))
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cosignature without witness keys = %d %s; want 403", resp.StatusCode, b)
	}
}

func TestParseAddCheckpoint(t *testing.T) {
	h := tlog.Hash{1}
	body := addCheckpointBody(12, []tlog.Hash{h, h}, []byte("cp\n"))
	old, proof, cp, err := ParseAddCheckpoint(body)
	if err != nil || old != 12 || len(proof) != 2 || proof[1] != h || string(cp) != "cp\n" {
		t.Fatalf("ParseAddCheckpoint(%q) = %d, %v, %q, %v", body, old, proof, cp, err)
	}
	many := make([]tlog.Hash, 64)
	for _, in := range []string{
		"", "old 1", "old 01\n\n", "old -1\n\n", "old 1\n", "old 1 \n\n", "new 1\n\n", "old 1\nAAAA\n\n",
		string(addCheckpointBody(1, many, nil)),
	} {
		if _, _, _, err := ParseAddCheckpoint([]byte(in)); err == nil {
			t.Errorf("ParseAddCheckpoint(%q) succeeded; want an error", in)
		}
	}
}

func FuzzParseAddCheckpoint(f *testing.F) {
	f.Add(addCheckpointBody(0, nil, []byte("o\n1\nAAAA\n\n— o x\n")))
	f.Add(addCheckpointBody(3, []tlog.Hash{{1}, {2}}, []byte("cp\n")))
	f.Add([]byte("old 1\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		old, proof, cp, err := ParseAddCheckpoint(b)
		if err != nil {
			return
		}
		if again := addCheckpointBody(old, proof, cp); string(again) != string(b) {
			t.Fatalf("ParseAddCheckpoint(%q) re-encodes to %q", b, again)
		}
	})
}
