//go:build js && wasm

package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"syscall/js"

	"concord/web/booth"
)

func main() {
	export("concordManifestInfo", 1, func(a []js.Value) (any, error) {
		return booth.ManifestInfo([]byte(a[0].String()))
	})
	export("concordCast", 3, func(a []js.Value) (any, error) {
		choices, err := intList(a[2])
		if err != nil {
			return nil, err
		}
		return booth.CastBallot([]byte(a[0].String()), []byte(a[1].String()), choices)
	})
	export("concordVerifyAudit", 2, func(a []js.Value) (any, error) {
		spoil, err := base64.StdEncoding.DecodeString(a[1].String())
		if err != nil {
			return nil, fmt.Errorf("audit is not base64: %v", err)
		}
		return booth.VerifyAudit([]byte(a[0].String()), spoil)
	})
	js.Global().Set("concordReady", true)
	if cb := js.Global().Get("concordOnReady"); cb.Type() == js.TypeFunction {
		cb.Invoke()
	}
	select {}
}

// export sets a global JavaScript function of n string arguments that
// returns the JSON text {"result": …} or {"error": "…"} (SPEC §19.5.5).
func export(name string, n int, f func([]js.Value) (any, error)) {
	js.Global().Set(name, js.FuncOf(func(_ js.Value, args []js.Value) (ret any) {
		defer func() {
			if r := recover(); r != nil {
				ret = reply(nil, fmt.Errorf("internal error: %v", r))
			}
		}()
		if len(args) != n {
			return reply(nil, fmt.Errorf("%s takes %d arguments, not %d", name, n, len(args)))
		}
		for i, a := range args {
			if i < n-1 || name != "concordCast" {
				if a.Type() != js.TypeString {
					return reply(nil, fmt.Errorf("%s: argument %d must be a string", name, i+1))
				}
			}
		}
		return reply(f(args))
	}))
}

func reply(v any, err error) string {
	var out any = map[string]any{"result": v}
	if err != nil {
		out = map[string]string{"error": err.Error()}
	}
	b, jerr := json.Marshal(out)
	if jerr != nil {
		b, _ = json.Marshal(map[string]string{"error": jerr.Error()})
	}
	return string(b)
}

// intList converts a JavaScript array of numbers, or a JSON string of
// one, to option indices.
func intList(v js.Value) ([]int, error) {
	var out []int
	if v.Type() == js.TypeString {
		if err := json.Unmarshal([]byte(v.String()), &out); err != nil {
			return nil, fmt.Errorf("choices: %v", err)
		}
		return out, nil
	}
	if !v.InstanceOf(js.Global().Get("Array")) {
		return nil, fmt.Errorf("choices must be an array of option indices")
	}
	for i := range v.Length() {
		e := v.Index(i)
		if e.Type() != js.TypeNumber || e.Float() != float64(e.Int()) {
			return nil, fmt.Errorf("choice %d is not an integer", i)
		}
		out = append(out, e.Int())
	}
	return out, nil
}
