package main

import (
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/mediment/hrmos-sync/internal/app"
	"github.com/mediment/hrmos-sync/internal/config"
	"github.com/mediment/hrmos-sync/internal/store"
)

// env is what a command works with: the configuration, and the database and
// Temporal connections, each opened on first use and closed when the
// command returns.
type env struct {
	cmd *cobra.Command
	cfg config.Config
	st  *store.Store
	tc  client.Client
}

// runE gives a command its env.
func runE(fn func(cmd *cobra.Command, e *env) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		cfg, err := config.Load(cmd.Context())
		if err != nil {
			return err
		}
		e := &env{cmd: cmd, cfg: cfg}
		defer e.close()
		return fn(cmd, e)
	}
}

func (e *env) store() (*store.Store, error) {
	if e.st == nil {
		st, err := app.OpenStore(e.cmd.Context(), e.cfg)
		if err != nil {
			return nil, err
		}
		e.st = st
	}
	return e.st, nil
}

func (e *env) temporal() (client.Client, error) {
	if e.tc == nil {
		c, err := app.DialTemporal(e.cfg, app.NewLogger("warn"))
		if err != nil {
			return nil, err
		}
		e.tc = c
	}
	return e.tc, nil
}

func (e *env) close() {
	if e.tc != nil {
		e.tc.Close()
	}
	if e.st != nil {
		e.st.Close()
	}
}
