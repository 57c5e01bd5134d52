package rules

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

// SyncedColumn is one employees column a sync writes: its name and where
// its value lives in SyncedFields. Pairing the two in one entry, rather than
// in two lists kept in the same order, means a reorder can never write a
// value into the wrong column; adding a synced field is one line here.
type SyncedColumn struct {
	Name  string
	Field func(*SyncedFields) **string
}

// SyncedColumns are every column HRMOS owns, in table order. The store
// reads and writes employees through this table.
var SyncedColumns = []SyncedColumn{
	{"employee_number", func(f *SyncedFields) **string { return &f.EmployeeNumber }},
	{"last_name", func(f *SyncedFields) **string { return &f.LastName }},
	{"first_name", func(f *SyncedFields) **string { return &f.FirstName }},
	{"last_name_kana", func(f *SyncedFields) **string { return &f.LastNameKana }},
	{"first_name_kana", func(f *SyncedFields) **string { return &f.FirstNameKana }},
	{"email", func(f *SyncedFields) **string { return &f.Email }},
	{"office", func(f *SyncedFields) **string { return &f.Office }},
	{"department1", func(f *SyncedFields) **string { return &f.Department1 }},
	{"hire_date", func(f *SyncedFields) **string { return &f.HireDate }},
	{"retirement_date", func(f *SyncedFields) **string { return &f.RetirementDate }},
	{genderColumn, func(f *SyncedFields) **string { return &f.Gender }},
}

const genderColumn = "gender"

// Column is one column and the value a sync gives it.
type Column struct {
	Name  string
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
		cols = append(cols, Column{c.Name, *c.Field(&f)})
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
