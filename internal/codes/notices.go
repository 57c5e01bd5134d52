package codes

// Run notice codes (sync_runs.notices holds "code: sentence"). The code before
// the colon is stable; the sentence is for the admin.
const (
	NoticeGenderNotProvided = "gender_not_provided"
	NoticeDryRun            = "dry_run"
	NoticeNoUsers           = "no_users"
	NoticeNoRows            = "no_rows"
	NoticeUsersWithoutID    = "users_without_id"
	NoticeKeyExpiresSoon    = "key_expires_soon"
	NoticeKeyExpired        = "key_expired"
	NoticeApproved          = "approved"
	NoticeRejected          = "rejected"
	// NoticeOneUser: a roster run limited to one HRMOS user (`starter
	// roster --user N`).
	NoticeOneUser = "one_user"
)
