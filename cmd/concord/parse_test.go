package main

import (
	"errors"
	"flag"
	"io"
	"reflect"
	"testing"

	"concord/ledger"
)

func TestParseClause(t *testing.T) {
	cl, err := parseClause("id=evacuate,obligor=romania,action=evacuate Bessarabia, all of it,deadline=P2M,attesters=rsfsr+observer")
	if err != nil {
		t.Fatal(err)
	}
	if cl.ID != "evacuate" || cl.Obligor != "romania" || cl.Action != "evacuate Bessarabia, all of it" {
		t.Errorf("parseClause = %+v; want id evacuate, obligor romania, action with its comma", cl)
	}
	if cl.Deadline.Duration == nil || cl.Deadline.Duration.Months != 2 || cl.Deadline.Date != nil {
		t.Errorf("parseClause deadline = %v; want P2M", cl.Deadline)
	}
	if want := []ledger.PartyID{"rsfsr", "observer"}; !reflect.DeepEqual(cl.Attesters, want) {
		t.Errorf("parseClause attesters = %v; want %v", cl.Attesters, want)
	}
	cl, err = parseClause("id=pay,obligor=germany,action=pay,deadline=1918-05-05,attesters=rsfsr")
	if err != nil || cl.Deadline.Date == nil || cl.Deadline.Date.String() != "1918-05-05" {
		t.Errorf("parseClause(date deadline) = %v, %v; want 1918-05-05", cl.Deadline, err)
	}
	for _, bad := range []string{
		"action=x,id=a,obligor=b",                     // no deadline
		"id=a,id=b,deadline=P1M",                      // key twice
		"name=a,deadline=P1M",                         // unknown first key
		"id=a,obligor=b,action=c,deadline=2M",         // malformed duration
		"id=a,obligor=b,action=c,deadline=1918-13-01", // malformed date
	} {
		if _, err := parseClause(bad); err == nil {
			t.Errorf("parseClause(%q) succeeded; want an error", bad)
		}
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	l := fs.String("ledger", "x", "")
	pos, err := parseFlags(fs, io.Discard, []string{"a.db", "--ledger", "b.db", "c"})
	if err != nil || *l != "b.db" || !reflect.DeepEqual(pos, []string{"a.db", "c"}) {
		t.Errorf("parseFlags = %q, ledger %q, %v; want [a.db c], b.db", pos, *l, err)
	}
	_, err = parseFlags(fs, io.Discard, []string{"--nope"})
	var u *usageError
	if !errors.As(err, &u) {
		t.Errorf("parseFlags(--nope) error = %v; want a usage error", err)
	}
	if _, err := parseFlags(fs, io.Discard, []string{"-h"}); !errors.Is(err, errHelped) {
		t.Errorf("parseFlags(-h) error = %v; want errHelped", err)
	}
}

func TestRunExitCodes(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 2},
		{[]string{"nope"}, 2},
		{[]string{"version"}, 0},
		{[]string{"help"}, 0},
		{[]string{"help", "propose"}, 0},
		{[]string{"log", "--ledger", t.TempDir() + "/missing.db"}, 1},
		{[]string{"sign", "--key", "k", "--effective", "1918-13-01", "--proposal", "@0"}, 1},
		{[]string{"sign", "--proposal", "@0"}, 2},
	} {
		if got := run(ctx, tc.args, io.Discard, io.Discard); got != tc.want {
			t.Errorf("run(%q) = %d; want %d", tc.args, got, tc.want)
		}
	}
}
