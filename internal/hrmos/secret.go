package hrmos

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what every rendering of a Secret prints instead of its value.
const redacted = "[redacted]"

// Secret holds an API key or a token. Every way Go has of turning a value into
// text (fmt verbs, JSON, text marshalling, slog) prints "[redacted]", so a
// Secret that ends up in a log line, an error or a Temporal payload by mistake
// leaks nothing. Reveal is the one deliberate way to read it.
type Secret string

// Reveal returns the secret's value. Call it only where the value goes on the
// wire (an Authorization header) or into encrypted storage.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer (%#v).
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter so that no verb (%x, %q, %d…) can bypass
// String and print the underlying bytes.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler, used by encoders other than
// encoding/json. (encoding/json writes string-kinded map keys directly, so
// never key a map by a Secret.)
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
