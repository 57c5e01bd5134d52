package rules

// HRMOSUser is one HRMOS employee as the run staged it: HRMOS's raw text
// plus the department and office names resolved from HRMOS's masters.
type HRMOSUser struct {
	ID            int64
	Number        string
	LastName      string
	FirstName     string
	LastNameKana  string
	FirstNameKana string
	Email         string
	StartDate     string
	EndDate       string
	// DepartmentID is HRMOS's 部門 ID; DepartmentName is nil when the ID is
	// not among HRMOS's departments.
	DepartmentID   *int64
	DepartmentName *string
	LodgmentID     *int64
	LodgmentName   *string
	HasGender      bool
	Gender         string
	// InvalidFields are HRMOS JSON keys whose value had an unusable type.
	InvalidFields []string
	// Unstorable names the fields the database cannot take, staged empty
	// (SanitizeUser): "field:reason_code", field being HRMOS's JSON key.
	Unstorable []string
	// NumberShared: another HRMOS user of the run has the same 社員番号 key
	// (NormNumber). NameEmailShared: another has the same 氏名 and
	// メールアドレス keys (NormName, NormEmail): HRMOS keeps a retiree's old
	// account beside the new one of a rehire, each with its own 社員番号.
	// Counted by the store per run.
	NumberShared    bool
	NameEmailShared bool
}

// SyncedFields are the employees columns HRMOS owns (SPEC §2 table plus 氏名,
// which matching needs). nil is SQL NULL. Dates are "YYYY-MM-DD".
type SyncedFields struct {
	EmployeeNumber *string
	LastName       *string
	FirstName      *string
	LastNameKana   *string
	FirstNameKana  *string
	Email          *string
	Office         *string
	Department1    *string
	HireDate       *string
	RetirementDate *string
	// Gender is written only when HRMOS sends one (GenderProvided); HRMOS's
	// published schema has none, and mediment's value must then be kept.
	Gender         *string
	GenderProvided bool
}

// Kind is how HRMOS's text of a field becomes its column's value, and so
// the column's SQL type.
type Kind int

const (
	// Text is trimmed, and empty is NULL: HRMOS sends "", null and a missing
	// key alike for "no value". A text column.
	Text Kind = iota
	// Date is "YYYY-MM-DD" (ParseDate); a malformed one is the employee's
	// error. A date column, which the store reads back as "YYYY-MM-DD".
	Date
)

// SQLType is the type of the column a field of this kind is stored in.
func (k Kind) SQLType() string {
	if k == Date {
		return "date"
	}
	return "text"
}

// UserField is one field of an HRMOS user the sync stages and the employees
// column it becomes: everything the fetch, the staging, the staged read, the
// mapping, the diff and the employees' reads and writes need to know of it.
// The client decodes the field by Key (hrmos.User.Text), so a new synced
// field is its decode in internal/hrmos/types.go, a line here (with the
// struct fields its accessors name) and its migration.
type UserField struct {
	// Key is HRMOS's JSON key (docs/hrmos-api.md §5): errors, InvalidFields
	// and Unstorable name the field by it.
	Key string
	// Staged is the roster_staging column holding HRMOS's text as sent.
	Staged string
	// Column is the employees column the mapped value is written to.
	Column string
	Kind   Kind
	// Raw is where the staged record holds HRMOS's text. nil for a field
	// the fetch stages and MapUser maps by hand, which its line says why.
	Raw func(*HRMOSUser) *string
	// Value is where SyncedFields holds the column's value.
	Value func(*SyncedFields) **string
}

// UserFields are every field of an HRMOS user the sync stages and writes,
// in the order of the employees table's columns: the order in which a run
// names changed columns (ChangedFields) and shows its diff.
var UserFields = []UserField{
	{Key: "number", Staged: "number", Column: "employee_number", Kind: Text,
		Raw: func(u *HRMOSUser) *string { return &u.Number }, Value: func(f *SyncedFields) **string { return &f.EmployeeNumber }},
	{Key: "last_name", Staged: "last_name", Column: "last_name", Kind: Text,
		Raw: func(u *HRMOSUser) *string { return &u.LastName }, Value: func(f *SyncedFields) **string { return &f.LastName }},
	{Key: "first_name", Staged: "first_name", Column: "first_name", Kind: Text,
		Raw: func(u *HRMOSUser) *string { return &u.FirstName }, Value: func(f *SyncedFields) **string { return &f.FirstName }},
	{Key: "last_name_kana", Staged: "last_name_kana", Column: "last_name_kana", Kind: Text,
		Raw: func(u *HRMOSUser) *string { return &u.LastNameKana }, Value: func(f *SyncedFields) **string { return &f.LastNameKana }},
	{Key: "first_name_kana", Staged: "first_name_kana", Column: "first_name_kana", Kind: Text,
		Raw: func(u *HRMOSUser) *string { return &u.FirstNameKana }, Value: func(f *SyncedFields) **string { return &f.FirstNameKana }},
	{Key: "email", Staged: "email", Column: "email", Kind: Text,
		Raw: func(u *HRMOSUser) *string { return &u.Email }, Value: func(f *SyncedFields) **string { return &f.Email }},
	// 拠点 and 部門 are IDs into HRMOS's masters: the fetch stages the ID and
	// the master's name (lodgment_id and lodgment_name, department_id and
	// department_name), and MapUser makes an ID the masters lack the
	// employee's error rather than an empty office.
	{Key: lodgmentField, Column: "office", Kind: Text, Value: func(f *SyncedFields) **string { return &f.Office }},
	{Key: departmentField, Column: "department1", Kind: Text, Value: func(f *SyncedFields) **string { return &f.Department1 }},
	{Key: "start_date", Staged: "start_date", Column: "hire_date", Kind: Date,
		Raw: func(u *HRMOSUser) *string { return &u.StartDate }, Value: func(f *SyncedFields) **string { return &f.HireDate }},
	{Key: "end_date", Staged: "end_date", Column: "retirement_date", Kind: Date,
		Raw: func(u *HRMOSUser) *string { return &u.EndDate }, Value: func(f *SyncedFields) **string { return &f.RetirementDate }},
	// 性別 is written only when HRMOS sends one (HasGender, staged beside
	// it), so that mediment's value is never cleared for lack of data.
	{Key: "gender", Column: genderColumn, Kind: Text, Value: func(f *SyncedFields) **string { return &f.Gender }},
}

// SyncedColumn is one employees column a sync writes: its name, SQL type and
// where its value lives in SyncedFields. Pairing them in one entry, rather
// than in lists kept in the same order, means a reorder can never write a
// value into the wrong column.
type SyncedColumn struct {
	Name  string
	Type  string
	Field func(*SyncedFields) **string
}

// SyncedColumns are every column HRMOS owns, in table order: UserFields
// seen from the employees table. The store reads and writes employees
// through it.
var SyncedColumns = func() []SyncedColumn {
	cols := make([]SyncedColumn, len(UserFields))
	for i, f := range UserFields {
		cols[i] = SyncedColumn{Name: f.Column, Type: f.Kind.SQLType(), Field: f.Value}
	}
	return cols
}()

const genderColumn = "gender"

// Column is one column, its SQL type and the value a sync gives it.
type Column struct {
	Name  string
	Type  string
	Value *string
}

// Columns lists the columns a sync writes with their values, in table
// order. Gender is left out when HRMOS did not provide it, so it is never
// cleared.
func (f SyncedFields) Columns() []Column {
	cols := make([]Column, 0, len(SyncedColumns))
	for _, c := range SyncedColumns {
		if c.Name == genderColumn && !f.GenderProvided {
			continue
		}
		cols = append(cols, Column{c.Name, c.Type, *c.Field(&f)})
	}
	return cols
}

// value is the value of one column by name.
func (f *SyncedFields) value(name string) *string {
	for _, c := range SyncedColumns {
		if c.Name == name {
			return *c.Field(f)
		}
	}
	return nil
}

// MedimentOnlyFields are columns HRMOS cannot supply (SPEC §2 rule 7). A sync
// never writes them; it reports the empty ones so an admin fills them in.
type MedimentOnlyFields struct {
	InsuranceNameKana   *string
	EmploymentCategory  *string
	InsuranceCardNumber *string
	Nationality         *string
	JobTitle            *string
	EmploymentPeriod    *string
}

// MedimentOnlyField names one mediment-only column, the label mediment's
// screens give it, why an admin needs it filled, and where its value lives.
type MedimentOnlyField struct {
	Column string
	Label  string
	Why    string
	Field  func(*MedimentOnlyFields) **string
}

// MedimentOnly lists the mediment-only columns in the order the help page
// gives them, with the reason each matters (SPEC §2 rule 7).
var MedimentOnly = []MedimentOnlyField{
	{"insurance_name_kana", "社保用の姓名（セイメイ）", "always required",
		func(m *MedimentOnlyFields) **string { return &m.InsuranceNameKana }},
	{"employment_category", "正社員・管理職の有無", "the unit of the stress check's group analysis",
		func(m *MedimentOnlyFields) **string { return &m.EmploymentCategory }},
	{"insurance_card_number", "保険証番号", "required unless only the stress check is used",
		func(m *MedimentOnlyFields) **string { return &m.InsuranceCardNumber }},
	{"nationality", "国籍", "needed for the health pulse survey's productivity analysis",
		func(m *MedimentOnlyFields) **string { return &m.Nationality }},
	{"job_title", "役職", "needed for the health pulse survey's productivity analysis",
		func(m *MedimentOnlyFields) **string { return &m.JobTitle }},
	{"employment_period", "雇用期間", "needed for the health pulse survey's productivity analysis",
		func(m *MedimentOnlyFields) **string { return &m.EmploymentPeriod }},
}

// Missing names the mediment-only columns that are empty.
func (m MedimentOnlyFields) Missing() []string {
	var missing []string
	for _, f := range MedimentOnly {
		if v := *f.Field(&m); v == nil || *v == "" {
			missing = append(missing, f.Column)
		}
	}
	return missing
}

// MedimentOnlyByColumn finds a mediment-only field by its column name.
func MedimentOnlyByColumn(column string) (MedimentOnlyField, bool) {
	for _, f := range MedimentOnly {
		if f.Column == column {
			return f, true
		}
	}
	return MedimentOnlyField{}, false
}

// NeedsAttentionRetired is the needs_attention entry of an employee who has
// retired in HRMOS but keeps an account here (rule 5: delete it by hand).
const NeedsAttentionRetired = "retirement_date"

// Default is a value a newly created employee gets.
type Default struct {
	Column string
	Value  bool
}

// Defaults are what a newly created employee gets (SPEC §2 rule 6):
// 社会保険 加入, ストレスチェック 対象, 健康診断 対象. Only on creation: an admin
// may change them and later syncs never reset them.
var Defaults = []Default{
	{"social_insurance", true},
	{"stress_check_target", true},
	{"health_checkup_target", true},
}

// Employee is what a roster decision needs to know of a mediment employee.
type Employee struct {
	ID          int64
	HRMOSUserID *int64
	// HRMOSCompanyID is the HRMOS company whose user HRMOSUserID is: HRMOS
	// numbers users per company, so a link counts only for that company.
	// nil for a link made outside the engine, which counts for the tenant's
	// company of the moment.
	HRMOSCompanyID *string
	Synced         SyncedFields
	MedimentOnly   MedimentOnlyFields
}

// LinkIn is the HRMOS user the employee is linked to within company, nil
// when it is not linked or linked to a user of another company (that user
// is another person: HRMOS user IDs are small per-company counters). An
// empty company (a run that predates company-scoped links) takes every link.
func (e *Employee) LinkIn(company string) *int64 {
	if e.HRMOSUserID == nil {
		return nil
	}
	if company != "" && e.HRMOSCompanyID != nil && *e.HRMOSCompanyID != company {
		return nil
	}
	return e.HRMOSUserID
}
