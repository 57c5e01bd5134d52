package workflows

import "go.temporal.io/sdk/workflow"

// forEach runs fn for every item, at most limit at a time. After the first
// error it starts no more, waits for those running, and returns that error.
// With stopOnCancel it also starts no more once ctx is cancelled (and
// returns the cancellation); without it, as runs older than
// writesSettleChange replay, it went on starting items after a cancel. It is
// the one bounded fan-out of the engine: a run's plan and chunks, and a
// chunk's records.
func forEach[T any](ctx workflow.Context, items []T, limit int, stopOnCancel bool, fn func(ctx workflow.Context, i int, item T) error) error {
	sem := workflow.NewSemaphore(ctx, int64(limit))
	wg := workflow.NewWaitGroup(ctx)
	var firstErr error
	for i, item := range items {
		if err := sem.Acquire(ctx, 1); err != nil {
			break // cancelled while waiting
		}
		// Acquire succeeds on a cancelled context when a slot is free.
		if firstErr != nil || stopOnCancel && ctx.Err() != nil {
			sem.Release(1)
			break
		}
		wg.Add(1)
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer wg.Done()
			defer sem.Release(1)
			if err := fn(gctx, i, item); err != nil && firstErr == nil {
				firstErr = err
			}
		})
	}
	// Wait returns once every fn has returned, cancelled or not.
	wg.Wait(ctx)
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}
