package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mediment/hrmos-sync/internal/jst"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		minutes int
		ok      bool
		err     error
	}{
		{"", 0, false, nil},
		{"   ", 0, false, nil},
		{"0:00", 0, true, nil},
		{"00:00", 0, true, nil}, // zero-padded, as the daily endpoints send
		{"0:01", 1, true, nil},
		{"1:30", 90, true, nil},
		{"15:00", 900, true, nil},
		{"160:00", 9600, true, nil},
		{"176:30", 10590, true, nil},
		{"1000:59", 60059, true, nil},
		{" 8:00 ", 480, true, nil},
		{"-1:30", -90, true, nil},
		{"-0:00", 0, true, nil},
		{"1:60", 0, false, ErrInvalidDuration},
		{"1:5", 0, false, ErrInvalidDuration},
		{"1:005", 0, false, ErrInvalidDuration},
		{"abc", 0, false, ErrInvalidDuration},
		{"1", 0, false, ErrInvalidDuration},
		{":30", 0, false, ErrInvalidDuration},
		{"1:", 0, false, ErrInvalidDuration},
		{"+1:00", 0, false, ErrInvalidDuration},
		{"--1:00", 0, false, ErrInvalidDuration},
		{"1:30:00", 0, false, ErrInvalidDuration},
		{"1.5:00", 0, false, ErrInvalidDuration},
		{"１:００", 0, false, ErrInvalidDuration}, // full-width digits are not HRMOS's format
		// Well-formed but beyond maxDurationHours (the integer minutes'
		// column's bound): out of range, not malformed.
		{"1000000:59", 60000059, true, nil},
		{"1000001:00", 0, false, ErrOutOfRange},
		{"-1000001:00", 0, false, ErrOutOfRange},
		{"99999999999999999999:00", 0, false, ErrOutOfRange},
	}
	for _, tt := range tests {
		got, ok, err := ParseDuration(tt.in)
		if !errors.Is(err, tt.err) || got != tt.minutes || ok != tt.ok {
			t.Errorf("ParseDuration(%q) = %d, %v, %v; want %d, %v, %v", tt.in, got, ok, err, tt.minutes, tt.ok, tt.err)
		}
	}
}

func TestParseDayCount(t *testing.T) {
	tests := []struct {
		in     string
		tenths int
		ok     bool
		err    error
	}{
		{"", 0, false, nil},
		{" ", 0, false, nil},
		{"20.0", 200, true, nil},
		{"0.0", 0, true, nil},
		{"0.5", 5, true, nil},
		{".5", 5, true, nil},
		{"1", 10, true, nil},
		{"29", 290, true, nil},
		{"1.50", 15, true, nil},
		{"3.000", 30, true, nil},
		{"0.25", 0, false, ErrInvalidDayCount},
		{"1.05", 0, false, ErrInvalidDayCount},
		{"-1.0", 0, false, ErrInvalidDayCount},
		{"-0.5", 0, false, ErrInvalidDayCount},
		{"+1", 0, false, ErrInvalidDayCount},
		{"1.", 0, false, ErrInvalidDayCount},
		{".", 0, false, ErrInvalidDayCount},
		{"1.2.3", 0, false, ErrInvalidDayCount},
		{"abc", 0, false, ErrInvalidDayCount},
		{"1e1", 0, false, ErrInvalidDayCount},
		{"1,5", 0, false, ErrInvalidDayCount},
		// numeric(6,1) holds at most 99999.9: a larger count is the row's
		// value_out_of_range, not a write that fails on every retry.
		{"99999.9", 999999, true, nil},
		{"100000", 0, false, ErrOutOfRange},
		{"100000.0", 0, false, ErrOutOfRange},
		{"99999999999", 0, false, ErrOutOfRange},
		{"99999999999999999999999999", 0, false, ErrOutOfRange},
		// Malformed first: out of range only when well-formed.
		{"100000.25", 0, false, ErrInvalidDayCount},
		{"-100000", 0, false, ErrInvalidDayCount},
	}
	for _, tt := range tests {
		got, ok, err := ParseDayCount(tt.in)
		if !errors.Is(err, tt.err) || got != tt.tenths || ok != tt.ok {
			t.Errorf("ParseDayCount(%q) = %d, %v, %v; want %d, %v, %v", tt.in, got, ok, err, tt.tenths, tt.ok, tt.err)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
		err  error
	}{
		{"", time.Time{}, false, nil},
		{"2020-04-01", time.Date(2020, 4, 1, 0, 0, 0, 0, jst.Zone), true, nil},
		{"1603-02-12", time.Date(1603, 2, 12, 0, 0, 0, 0, jst.Zone), true, nil},
		{"2024-02-29", time.Date(2024, 2, 29, 0, 0, 0, 0, jst.Zone), true, nil},
		{" 2020-04-01 ", time.Date(2020, 4, 1, 0, 0, 0, 0, jst.Zone), true, nil},
		{"2023-02-29", time.Time{}, false, ErrInvalidDate},
		{"2020-13-45", time.Time{}, false, ErrInvalidDate},
		{"2020-00-10", time.Time{}, false, ErrInvalidDate},
		{"2020/04/01", time.Time{}, false, ErrInvalidDate},
		{"2020-4-1", time.Time{}, false, ErrInvalidDate},
		{"20200401", time.Time{}, false, ErrInvalidDate},
		{"2020-04-01T00:00:00+09:00", time.Time{}, false, ErrInvalidDate},
		{"+2020-04-01", time.Time{}, false, ErrInvalidDate},
		{"12020-04-01", time.Time{}, false, ErrInvalidDate},
		{"abcd-ef-gh", time.Time{}, false, ErrInvalidDate},
		// PostgreSQL's date has no year 0 (1 BC follows AD 1), Go's has: the
		// record's value_out_of_range, not a write failing on every retry.
		// Four digits keep every other date inside PostgreSQL's range.
		{"0000-01-01", time.Time{}, false, ErrOutOfRange},
		{"0000-02-29", time.Time{}, false, ErrOutOfRange},
		{"0000-02-30", time.Time{}, false, ErrInvalidDate},
		{"0001-01-01", time.Date(1, 1, 1, 0, 0, 0, 0, jst.Zone), true, nil},
		{"9999-12-31", time.Date(9999, 12, 31, 0, 0, 0, 0, jst.Zone), true, nil},
		{"10000-01-01", time.Time{}, false, ErrInvalidDate},
	}
	for _, tt := range tests {
		got, ok, err := ParseDate(tt.in)
		if !errors.Is(err, tt.err) || !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("ParseDate(%q) = %v, %v, %v; want %v, %v, %v", tt.in, got, ok, err, tt.want, tt.ok, tt.err)
		}
	}
	got, _, _ := ParseDate("2020-04-01")
	if name, off := got.Zone(); name != "JST" || off != 9*3600 {
		t.Fatalf("zone = %s %d", name, off)
	}
	if !got.Equal(time.Date(2020, 3, 31, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("JST midnight = %v in UTC", got.UTC())
	}
}

func TestParseErrorsDoNotEchoInput(t *testing.T) {
	const personal = "山田太郎"
	_, _, e1 := ParseDuration(personal)
	_, _, e2 := ParseDayCount(personal)
	_, _, e3 := ParseDate(personal)
	_, _, e4 := ParseDayCount("100000.0")
	for _, err := range []error{e1, e2, e3} {
		if err == nil || strings.Contains(err.Error(), personal) {
			t.Errorf("error %v echoes the input", err)
		}
	}
	if e4 == nil || strings.Contains(e4.Error(), "100000") {
		t.Errorf("error %v echoes the input", e4)
	}
}
