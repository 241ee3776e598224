package threshold

import (
	"fmt"
	"strings"
	"testing"
)

func TestCoalitions(t *testing.T) {
	tests := []struct {
		name  string
		camps map[int]string
		k     int
		want  []string // lines that must appear
		not   []string // lines that must not appear
	}{
		{
			// The Vienna policy: two from each opposing camp, one neutral.
			name:  "2 soviet, 2 romanian, 1 neutral, k=3",
			camps: map[int]string{1: "soviet", 2: "soviet", 3: "romanian", 4: "romanian", 5: "neutral"},
			k:     3,
			want: []string{
				"5 trustees, threshold 3: decrypting needs 3, blocking needs 3",
				"romanian alone can decrypt: no (holds 2 of 5, decrypting needs 3)",
				"romanian alone can block: no (holds 2 of 5, blocking needs 3)",
				"soviet alone can block: no (holds 2 of 5, blocking needs 3)",
				"neutral alone can block: no (holds 1 of 5, blocking needs 3)",
				"neutral+soviet can decrypt (hold 3 of 5)",
				"neutral+romanian can decrypt (hold 3 of 5)",
				"romanian+soviet can decrypt (hold 4 of 5)",
				"neutral+romanian can block (hold 3 of 5)",
			},
		},
		{
			name:  "3 soviet, 1 romanian, 1 neutral, k=3: soviet decrypts alone",
			camps: map[int]string{1: "soviet", 2: "soviet", 3: "soviet", 4: "romanian", 5: "neutral"},
			k:     3,
			want: []string{
				"soviet alone can decrypt: yes (holds 3 of 5, decrypting needs 3)",
				"soviet alone can block: yes (holds 3 of 5, blocking needs 3)",
				"neutral+romanian can block: no",
			},
			not: []string{"neutral+soviet can decrypt"},
		},
		{
			name:  "unanimity: 2 soviet, 2 romanian, 1 neutral, k=5",
			camps: map[int]string{1: "soviet", 2: "soviet", 3: "romanian", 4: "romanian", 5: "neutral"},
			k:     5,
			want: []string{
				"5 trustees, threshold 5: decrypting needs 5, blocking needs 1",
				"neutral alone can block: yes (holds 1 of 5, blocking needs 1)",
				"neutral+romanian+soviet can decrypt (hold 5 of 5)",
			},
		},
		{
			name:  "3 neutral, 2 soviet, 2 romanian, k=4",
			camps: map[int]string{1: "neutral", 2: "neutral", 3: "neutral", 4: "soviet", 5: "soviet", 6: "romanian", 7: "romanian"},
			k:     4,
			want: []string{
				"neutral alone can decrypt: no (holds 3 of 7, decrypting needs 4)",
				"romanian+soviet can decrypt (hold 4 of 7)",
				"neutral+soviet can decrypt (hold 5 of 7)",
				"neutral+soviet can block (hold 5 of 7)",
				"romanian+soviet can block (hold 4 of 7)",
				"neutral alone can block: no (holds 3 of 7, blocking needs 4)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Coalitions(tt.camps, tt.k)
			if err != nil {
				t.Fatalf("Coalitions: %v", err)
			}
			out := r.String()
			for _, w := range tt.want {
				if strings.HasSuffix(w, ": no") {
					// A coalition absent from the list cannot act.
					if strings.Contains(out, strings.TrimSuffix(w, ": no")+" (") {
						t.Errorf("Coalitions(%v, %d) lists %q; want it absent:\n%s", tt.camps, tt.k, w, out)
					}
					continue
				}
				if !strings.Contains(out, w+"\n") {
					t.Errorf("Coalitions(%v, %d) lacks %q:\n%s", tt.camps, tt.k, w, out)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(out, w) {
					t.Errorf("Coalitions(%v, %d) has %q (not minimal):\n%s", tt.camps, tt.k, w, out)
				}
			}
		})
	}
}

func TestCoalitionsMinimalAndComplete(t *testing.T) {
	// Cross-check against brute force over sets of trustees: a set of camps
	// can decrypt iff its trustees number ≥ k.
	camps := map[int]string{1: "a", 2: "a", 3: "b", 4: "c", 5: "c", 6: "c", 7: "d"}
	for k := 1; k <= 7; k++ {
		r, err := Coalitions(camps, k)
		if err != nil {
			t.Fatal(err)
		}
		holds := map[string]int{"a": 2, "b": 1, "c": 3, "d": 1}
		for _, set := range r.Decrypting {
			total := 0
			for _, c := range set {
				total += holds[c]
			}
			if total < k {
				t.Errorf("k=%d: %v listed as decrypting with %d trustees", k, set, total)
			}
			for _, c := range set {
				if total-holds[c] >= k {
					t.Errorf("k=%d: %v is not minimal (without %s it still holds %d)", k, set, c, total-holds[c])
				}
			}
		}
		for _, set := range r.Blocking {
			total := 0
			for _, c := range set {
				total += holds[c]
			}
			if total < 7-k+1 {
				t.Errorf("k=%d: %v listed as blocking with %d trustees", k, set, total)
			}
		}
	}
}

func TestCoalitionsErrors(t *testing.T) {
	many := make(map[int]string)
	for j := 1; j <= 17; j++ {
		many[j] = fmt.Sprintf("camp%d", j)
	}
	tests := []struct {
		name  string
		camps map[int]string
		k     int
	}{
		{"no trustees", map[int]string{}, 1},
		{"k 0", map[int]string{1: "a"}, 0},
		{"k above n", map[int]string{1: "a", 2: "b"}, 3},
		{"gap in indices", map[int]string{1: "a", 3: "b"}, 1},
		{"empty camp", map[int]string{1: "a", 2: ""}, 1},
		{"17 camps", many, 9},
	}
	for _, tt := range tests {
		if r, err := Coalitions(tt.camps, tt.k); err == nil {
			t.Errorf("Coalitions(%s) = %v, nil; want an error", tt.name, r)
		}
	}
}

func TestCoalitionsString(t *testing.T) {
	camps := map[int]string{1: "soviet", 2: "soviet", 3: "romanian", 4: "romanian", 5: "neutral"}
	r, err := Coalitions(camps, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := `5 trustees, threshold 3: decrypting needs 3, blocking needs 3
neutral alone can decrypt: no (holds 1 of 5, decrypting needs 3)
neutral alone can block: no (holds 1 of 5, blocking needs 3)
romanian alone can decrypt: no (holds 2 of 5, decrypting needs 3)
romanian alone can block: no (holds 2 of 5, blocking needs 3)
soviet alone can decrypt: no (holds 2 of 5, decrypting needs 3)
soviet alone can block: no (holds 2 of 5, blocking needs 3)
neutral+romanian can decrypt (hold 3 of 5)
neutral+soviet can decrypt (hold 3 of 5)
romanian+soviet can decrypt (hold 4 of 5)
neutral+romanian can block (hold 3 of 5)
neutral+soviet can block (hold 3 of 5)
romanian+soviet can block (hold 4 of 5)
`
	if got := r.String(); got != want {
		t.Errorf("Coalitions(%v, 3).String() =\n%s\nwant\n%s", camps, got, want)
	}
}
