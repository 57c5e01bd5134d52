package store

import (
	"context"
	"fmt"
	"time"
)

// Notice is a once-a-day notice to ops of a tenant (ops_notices, migration
// 007): what it is about, the Japan day, the run that says it, and when.
type Notice struct {
	TenantID string
	Topic    string
	// Day is the Japan day, "YYYY-MM-DD".
	Day   string
	RunID string
	Now   time.Time
}

// NoticeStaleAfter is how long a claim that was never marked sent holds
// before another run may take it: longer than the posting activity's
// attempts together, so that it is theirs to finish.
const NoticeStaleAfter = 10 * time.Minute

// ClaimNotice reports whether the run may post the notice today: nobody
// claimed it for the day, or the run itself did (a retry of its activity),
// or a claim of another run was never sent and is stale. Sent notices are
// never claimed again the same day.
func (q *Queries) ClaimNotice(ctx context.Context, n Notice) (bool, error) {
	// The upsert inserts or updates a row exactly when the claim is the
	// run's: a refused claim affects none.
	tag, err := q.db.Exec(ctx, `
		INSERT INTO ops_notices AS o (tenant_id, topic, day, sync_run_id, claimed_at)
		VALUES ($1, $2, $3::date, $4, $5)
		ON CONFLICT (tenant_id, topic) DO UPDATE
		SET day = excluded.day, sync_run_id = excluded.sync_run_id, claimed_at = excluded.claimed_at, sent_at = NULL
		WHERE o.day < excluded.day
		   OR (o.day = excluded.day AND o.sent_at IS NULL
		       AND (o.sync_run_id = excluded.sync_run_id OR o.claimed_at < $6))`,
		n.TenantID, n.Topic, n.Day, n.RunID, n.Now, n.Now.Add(-NoticeStaleAfter))
	if err != nil {
		return false, fmt.Errorf("claim the %s notice of tenant %s: %w", n.Topic, n.TenantID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// MarkNoticeSent records that the run's claimed notice was posted.
func (q *Queries) MarkNoticeSent(ctx context.Context, n Notice) error {
	if _, err := q.db.Exec(ctx, `
		UPDATE ops_notices SET sent_at = $5
		WHERE tenant_id = $1 AND topic = $2 AND day = $3::date AND sync_run_id = $4`,
		n.TenantID, n.Topic, n.Day, n.RunID, n.Now); err != nil {
		return fmt.Errorf("record the %s notice of tenant %s as sent: %w", n.Topic, n.TenantID, err)
	}
	return nil
}
