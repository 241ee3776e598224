package ledger

import (
	"bytes"
	"testing"
)

// FuzzHashText checks that Hash.UnmarshalText accepts only what
// MarshalText gives back byte for byte (SPEC §1.3).
func FuzzHashText(f *testing.F) {
	f.Add([]byte(vecHash))
	f.Add(bytes.ToUpper([]byte(vecHash)))
	f.Add([]byte(vecHash[:63]))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Hash
		if h.UnmarshalText(b) != nil {
			return
		}
		c, err := h.MarshalText()
		if err != nil || !bytes.Equal(c, b) {
			t.Fatalf("MarshalText(UnmarshalText(%q)) = %q, %v; want the input", b, c, err)
		}
	})
}

// FuzzHashJSON checks that Hash.UnmarshalJSON accepts only what
// MarshalJSON gives back byte for byte: no escapes, no upper case, no
// whitespace (SPEC §1.3).
func FuzzHashJSON(f *testing.F) {
	f.Add([]byte(`"` + vecHash + `"`))
	f.Add([]byte(`"\u0038` + vecHash[1:] + `"`))
	f.Add([]byte(` "` + vecHash + `"`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Hash
		if h.UnmarshalJSON(b) != nil {
			return
		}
		c, err := h.MarshalJSON()
		if err != nil || !bytes.Equal(c, b) {
			t.Fatalf("MarshalJSON(UnmarshalJSON(%q)) = %q, %v; want the input", b, c, err)
		}
	})
}
