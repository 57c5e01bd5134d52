package hrmossim

import (
	"encoding/json"
	"strconv"
	"time"
)

// Rendering goes through encoding/json: the model's tags name the keys in
// the schema's order, and the value types below choose between the value,
// "", null and no key at all (omitzero asks IsZero, which is true only for
// Absent).

// jst is HRMOS's offset; a fixed zone so the binary needs no tzdata.
var jst = time.FixedZone("JST", 9*60*60)

// timestampLayout is how HRMOS renders date-times: milliseconds and +09:00.
const timestampLayout = "2006-01-02T15:04:05.000-07:00"

// Timestamp is a date-time rendered as HRMOS does,
// "2020-09-18T12:57:16.000+09:00".
type Timestamp struct{ time.Time }

// At returns t as a Timestamp.
func At(t time.Time) Timestamp { return Timestamp{t} }

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) { return appendTimestamp(nil, t.Time), nil }

// appendTimestamp renders t in JST with milliseconds, quoted.
func appendTimestamp(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.In(jst).AppendFormat(b, timestampLayout)
	return append(b, '"')
}

// emptyShape renders the shapes of "no value"; ok is false for Present.
func emptyShape(p Presence) (b []byte, ok bool) {
	switch p {
	case Null:
		return []byte("null"), true
	case EmptyString:
		return []byte(`""`), true
	}
	return nil, false
}

// MarshalJSON implements json.Marshaler.
func (v OptString) MarshalJSON() ([]byte, error) {
	if b, ok := emptyShape(v.Presence); ok {
		return b, nil
	}
	return json.Marshal(v.Value)
}

// IsZero reports whether the key is left out (omitzero).
func (v OptString) IsZero() bool { return v.Presence == Absent }

// MarshalJSON implements json.Marshaler.
func (v OptInt) MarshalJSON() ([]byte, error) {
	if b, ok := emptyShape(v.Presence); ok {
		return b, nil
	}
	return strconv.AppendInt(nil, v.Value, 10), nil
}

// IsZero reports whether the key is left out (omitzero).
func (v OptInt) IsZero() bool { return v.Presence == Absent }

// MarshalJSON implements json.Marshaler: "H:MM".
func (v Duration) MarshalJSON() ([]byte, error) {
	if b, ok := emptyShape(v.Presence); ok {
		return b, nil
	}
	b := appendDuration([]byte{'"'}, v.Minutes)
	return append(b, '"'), nil
}

// IsZero reports whether the key is left out (omitzero).
func (v Duration) IsZero() bool { return v.Presence == Absent }

// MarshalJSON implements json.Marshaler: "20.0".
func (v DayCount) MarshalJSON() ([]byte, error) {
	if b, ok := emptyShape(v.Presence); ok {
		return b, nil
	}
	b := appendTenths([]byte{'"'}, v.Tenths)
	return append(b, '"'), nil
}

// IsZero reports whether the key is left out (omitzero).
func (v DayCount) IsZero() bool { return v.Presence == Absent }

// MarshalJSON implements json.Marshaler: a number such as 0.5.
func (v Decimal) MarshalJSON() ([]byte, error) {
	if b, ok := emptyShape(v.Presence); ok {
		return b, nil
	}
	return appendTenths(nil, v.Tenths), nil
}

// IsZero reports whether the key is left out (omitzero).
func (v Decimal) IsZero() bool { return v.Presence == Absent }

// appendDuration renders minutes as "H:MM" ("-1:30" when negative).
func appendDuration(b []byte, minutes int32) []byte {
	m := int64(minutes)
	if m < 0 {
		b = append(b, '-')
		m = -m
	}
	b = strconv.AppendInt(b, m/60, 10)
	b = append(b, ':')
	if m%60 < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, m%60, 10)
}

// appendTenths renders tenths with exactly one decimal ("20.0", "0.5", "-1.0").
func appendTenths(b []byte, tenths int32) []byte {
	t := int64(tenths)
	if t < 0 {
		b = append(b, '-')
		t = -t
	}
	b = strconv.AppendInt(b, t/10, 10)
	b = append(b, '.')
	return strconv.AppendInt(b, t%10, 10)
}

// MarshalJSON renders the user: the tagged fields, then the keys the schema
// puts after them.
func (u User) MarshalJSON() ([]byte, error) {
	type tagged User // the same fields without this method
	orEmpty := func(s []Approver) []Approver {
		if s == nil {
			return []Approver{}
		}
		return s
	}
	calendars := u.UserOriginalCalendars
	if calendars == nil {
		calendars = []UserOriginalCalendar{}
	}
	return json.Marshal(struct {
		tagged
		CreatedAt Timestamp              `json:"created_at"`
		UpdatedAt Timestamp              `json:"updated_at"`
		Group1    []Approver             `json:"group1_approvers"`
		Group2    []Approver             `json:"group2_approvers"`
		Group3    []Approver             `json:"group3_approvers"`
		Group4    []Approver             `json:"group4_approvers"`
		Calendars []UserOriginalCalendar `json:"user_original_calendars"`
	}{
		tagged(u), At(u.CreatedAt), At(u.UpdatedAt),
		orEmpty(u.GroupApprovers[0]), orEmpty(u.GroupApprovers[1]), orEmpty(u.GroupApprovers[2]), orEmpty(u.GroupApprovers[3]),
		calendars,
	})
}

// MarshalJSON renders the row; nil nested objects render with every
// duration "0:00".
func (r MonthlyRow) MarshalJSON() ([]byte, error) {
	type tagged MonthlyRow // the same fields without this method
	if r.Discretion == nil {
		r.Discretion = &Discretion{}
	}
	if r.Flex == nil {
		r.Flex = &Flex{}
	}
	if r.Variable == nil {
		r.Variable = &Variable{}
	}
	return json.Marshal(tagged(r))
}

// tokenJSON is the Token object of the authentication endpoints.
type tokenJSON struct {
	Token     string    `json:"token"`
	ExpiredAt Timestamp `json:"expired_at"`
}

// errorJSON is the API's Error object.
type errorJSON struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// mustJSON marshals values whose types cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("hrmossim: encode: " + err.Error())
	}
	return b
}
