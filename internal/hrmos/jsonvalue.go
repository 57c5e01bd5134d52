package hrmos

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// HRMOS's JSON is loosely typed in practice: strings arrive as null, "" or
// missing; IDs as numbers or numeric strings; leave figures as numbers where
// the spec says strings. These helpers read one raw value and say whether it
// was usable, so that a single odd field marks that field, not the page.

// jsonString reads a text field. null/missing → "", numbers → their decimal
// text; ok is false for booleans, objects and arrays.
func jsonString(raw json.RawMessage) (s string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	switch raw[0] {
	case '"':
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return numberText(raw)
	default:
		return "", false
	}
}

// numberText renders a JSON number literal as plain decimal text, keeping
// the literal as sent ("20.0" stays "20.0") unless it uses an exponent.
func numberText(raw json.RawMessage) (string, bool) {
	lit := string(raw)
	if !strings.ContainsAny(lit, "eE") {
		return lit, true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return "", false
	}
	return strconv.FormatFloat(f, 'f', -1, 64), true
}

// jsonInt reads an integer field given as a number or a numeric string.
// null, missing and "" are absent (present=false, valid=true); a value that
// is not a whole number is invalid.
func jsonInt(raw json.RawMessage) (n int64, present, valid bool) {
	s, ok := jsonString(raw)
	if !ok {
		return 0, false, false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true, true
	}
	// "3.0" or 3.0: whole numbers written as decimals are still usable.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false, false
	}
	return int64(f), true, true
}

// jsonFloat reads a decimal field given as a number or a numeric string.
func jsonFloat(raw json.RawMessage) (f float64, present, valid bool) {
	s, ok := jsonString(raw)
	if !ok {
		return 0, false, false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, false
	}
	return f, true, true
}

// object collects the fields of one JSON object and the keys that could not
// be used.
type object struct {
	m       map[string]json.RawMessage
	invalid []string
}

// readObject returns nil when data is not a JSON object (e.g. a null or a
// string in place of a record).
func readObject(data []byte) *object {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil
	}
	return &object{m: m}
}

func (o *object) bad(key string) { o.invalid = append(o.invalid, key) }

func (o *object) has(key string) bool {
	_, ok := o.m[key]
	return ok
}

func (o *object) str(key string) string {
	s, ok := jsonString(o.m[key])
	if !ok {
		o.bad(key)
	}
	return s
}

// id reads a required positive identifier; 0 (and the key in invalid) when
// it is missing or unusable.
func (o *object) id(key string) int64 {
	n, present, valid := jsonInt(o.m[key])
	if !present || !valid || n <= 0 {
		o.bad(key)
		return 0
	}
	return n
}

func (o *object) optInt64(key string) *int64 {
	n, present, valid := jsonInt(o.m[key])
	if !valid {
		o.bad(key)
	}
	if !present || !valid {
		return nil
	}
	return &n
}

func (o *object) optInt(key string) *int {
	n, present, valid := jsonInt(o.m[key])
	if valid && present && (n < math.MinInt32 || n > math.MaxInt32) {
		valid = false
	}
	if !valid {
		o.bad(key)
	}
	if !present || !valid {
		return nil
	}
	v := int(n)
	return &v
}

func (o *object) int(key string) int {
	if p := o.optInt(key); p != nil {
		return *p
	}
	return 0
}

func (o *object) optFloat(key string) *float64 {
	f, present, valid := jsonFloat(o.m[key])
	if !valid {
		o.bad(key)
	}
	if !present || !valid {
		return nil
	}
	return &f
}
