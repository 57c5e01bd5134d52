package bench

import (
	"fmt"
	"os"
)

func mkdir(dir string) error { return os.MkdirAll(dir, 0o755) }

// mb prints bytes as MB (10^6), the unit of the tables.
func mb(b int64) string {
	if b <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/1e6)
}

// quietLogger keeps the Temporal client's own log lines out of the report.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
