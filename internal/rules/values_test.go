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
		wantErr bool
	}{
		{"", 0, false, false},
		{"   ", 0, false, false},
		{"0:00", 0, true, false},
		{"00:00", 0, true, false}, // zero-padded, as the daily endpoints send
		{"0:01", 1, true, false},
		{"1:30", 90, true, false},
		{"15:00", 900, true, false},
		{"160:00", 9600, true, false},
		{"176:30", 10590, true, false},
		{"1000:59", 60059, true, false},
		{" 8:00 ", 480, true, false},
		{"-1:30", -90, true, false},
		{"-0:00", 0, true, false},
		{"1:60", 0, false, true},
		{"1:5", 0, false, true},
		{"1:005", 0, false, true},
		{"abc", 0, false, true},
		{"1", 0, false, true},
		{":30", 0, false, true},
		{"1:", 0, false, true},
		{"+1:00", 0, false, true},
		{"--1:00", 0, false, true},
		{"1:30:00", 0, false, true},
		{"1.5:00", 0, false, true},
		{"１:００", 0, false, true}, // full-width digits are not HRMOS's format
		{"99999999999999999999:00", 0, false, true},
	}
	for _, tt := range tests {
		got, ok, err := ParseDuration(tt.in)
		if (err != nil) != tt.wantErr || got != tt.minutes || ok != tt.ok {
			t.Errorf("ParseDuration(%q) = %d, %v, %v; want %d, %v, err=%v", tt.in, got, ok, err, tt.minutes, tt.ok, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidDuration) {
			t.Errorf("ParseDuration(%q): error %v is not ErrInvalidDuration", tt.in, err)
		}
	}
}

func TestParseDayCount(t *testing.T) {
	tests := []struct {
		in      string
		tenths  int
		ok      bool
		wantErr bool
	}{
		{"", 0, false, false},
		{" ", 0, false, false},
		{"20.0", 200, true, false},
		{"0.0", 0, true, false},
		{"0.5", 5, true, false},
		{".5", 5, true, false},
		{"1", 10, true, false},
		{"29", 290, true, false},
		{"1.50", 15, true, false},
		{"3.000", 30, true, false},
		{"0.25", 0, false, true},
		{"1.05", 0, false, true},
		{"-1.0", 0, false, true},
		{"-0.5", 0, false, true},
		{"+1", 0, false, true},
		{"1.", 0, false, true},
		{".", 0, false, true},
		{"1.2.3", 0, false, true},
		{"abc", 0, false, true},
		{"1e1", 0, false, true},
		{"1,5", 0, false, true},
		{"99999999999", 0, false, true},
		// numeric(6,1) holds at most 99999.9: a larger count is the row's
		// invalid_value, not a write that fails on every retry.
		{"99999.9", 999999, true, false},
		{"100000", 0, false, true},
	}
	for _, tt := range tests {
		got, ok, err := ParseDayCount(tt.in)
		if (err != nil) != tt.wantErr || got != tt.tenths || ok != tt.ok {
			t.Errorf("ParseDayCount(%q) = %d, %v, %v; want %d, %v, err=%v", tt.in, got, ok, err, tt.tenths, tt.ok, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidDayCount) {
			t.Errorf("ParseDayCount(%q): error %v is not ErrInvalidDayCount", tt.in, err)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		ok      bool
		wantErr bool
	}{
		{"", time.Time{}, false, false},
		{"2020-04-01", time.Date(2020, 4, 1, 0, 0, 0, 0, jst.Zone), true, false},
		{"1603-02-12", time.Date(1603, 2, 12, 0, 0, 0, 0, jst.Zone), true, false},
		{"2024-02-29", time.Date(2024, 2, 29, 0, 0, 0, 0, jst.Zone), true, false},
		{" 2020-04-01 ", time.Date(2020, 4, 1, 0, 0, 0, 0, jst.Zone), true, false},
		{"2023-02-29", time.Time{}, false, true},
		{"2020-13-45", time.Time{}, false, true},
		{"2020-00-10", time.Time{}, false, true},
		{"2020/04/01", time.Time{}, false, true},
		{"2020-4-1", time.Time{}, false, true},
		{"20200401", time.Time{}, false, true},
		{"2020-04-01T00:00:00+09:00", time.Time{}, false, true},
		{"+2020-04-01", time.Time{}, false, true},
		{"12020-04-01", time.Time{}, false, true},
		{"abcd-ef-gh", time.Time{}, false, true},
	}
	for _, tt := range tests {
		got, ok, err := ParseDate(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("ParseDate(%q) = %v, %v, %v; want %v, %v, err=%v", tt.in, got, ok, err, tt.want, tt.ok, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidDate) {
			t.Errorf("ParseDate(%q): error %v is not ErrInvalidDate", tt.in, err)
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
	for _, err := range []error{e1, e2, e3} {
		if err == nil || strings.Contains(err.Error(), personal) {
			t.Errorf("error %v echoes the input", err)
		}
	}
}
