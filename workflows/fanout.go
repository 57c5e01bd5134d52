package workflows

import "go.temporal.io/sdk/workflow"

// forEach runs fn for every item, at most limit at a time. After the first
// error it starts no more, waits for those running, and returns that error.
// It is the one bounded fan-out of the engine: a run's plan and chunks, and
// a chunk's records.
func forEach[T any](ctx workflow.Context, items []T, limit int, fn func(ctx workflow.Context, i int, item T) error) error {
	sem := workflow.NewSemaphore(ctx, int64(limit))
	wg := workflow.NewWaitGroup(ctx)
	var firstErr error
	for i, item := range items {
		if err := sem.Acquire(ctx, 1); err != nil {
			break // cancelled
		}
		if firstErr != nil {
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
	wg.Wait(ctx)
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}
