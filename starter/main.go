// Command starter is the ops CLI of the sync engine: it migrates the
// database, connects tenants to HRMOS, starts syncs and lists their history.
// Its commands are a contract (SPEC §6): add, never rename.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// exitError carries a specific exit code (e.g. a run that failed under --wait).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot().ExecuteContext(ctx)
	stop()
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "starter: "+err.Error())
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "starter",
		Short:         "Operate mediment's HRMOS勤怠 sync engine",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(migrateCmd(), connectCmd(), disconnectCmd(), rosterCmd(), attendanceCmd(), runsCmd(), scheduleCmd(), connectionsCmd(), rotateCredentialsKeyCmd(), sweepCmd(),
		setupCmd(), approveCmd(), rejectCmd())
	return root
}
