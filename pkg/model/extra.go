package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Extra holds the JSON members of an object that the Go struct does not
// declare, keyed by member name, so that they survive a round trip.
type Extra map[string]json.RawMessage

// decodeObject decodes data into v (a pointer to a struct without custom
// JSON methods) and returns the members whose keys v does not declare.
// With useNumber, numbers stored into interface{} fields stay json.Number.
func decodeObject(data []byte, v any, useNumber bool) (Extra, error) {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if useNumber {
		dec.UseNumber()
	}
	if err := dec.Decode(v); err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(data, &members); err != nil {
		return nil, err
	}
	known := knownKeys(reflect.TypeOf(v).Elem())
	var extra Extra
	for k, raw := range members {
		if _, ok := known[strings.ToLower(k)]; ok {
			continue
		}
		if extra == nil {
			extra = make(Extra)
		}
		extra[k] = raw
	}
	return extra, nil
}

// knownKeys returns the lower-cased JSON member names of struct type t
// (encoding/json matches member names case-insensitively).
func knownKeys(t reflect.Type) map[string]struct{} {
	keys := make(map[string]struct{}, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		keys[strings.ToLower(name)] = struct{}{}
	}
	return keys
}

// encodeObject marshals v (a struct without custom JSON methods) and appends
// the extra members, sorted by key, before the closing brace.
func encodeObject(v any, extra Extra) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	if len(b) < 2 || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("model: marshal %T: not an object", v)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := b[:len(b)-1]
	for _, k := range keys {
		if len(out) > 1 {
			out = append(out, ',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		out = append(out, kb...)
		out = append(out, ':')
		var compact bytes.Buffer
		if err := json.Compact(&compact, extra[k]); err != nil {
			return nil, fmt.Errorf("model: marshal extra member %q: %w", k, err)
		}
		out = append(out, compact.Bytes()...)
	}
	return append(out, '}'), nil
}
