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

// Column is one employees column and its value, in a fixed order.
type Column struct {
	Name  string
	Value *string
}

// Columns lists the columns a sync writes, in table order. Gender is left
// out when HRMOS did not provide it, so it is never cleared.
func (f SyncedFields) Columns() []Column {
	cols := []Column{
		{"employee_number", f.EmployeeNumber},
		{"last_name", f.LastName},
		{"first_name", f.FirstName},
		{"last_name_kana", f.LastNameKana},
		{"first_name_kana", f.FirstNameKana},
		{"email", f.Email},
		{"office", f.Office},
		{"department1", f.Department1},
		{"hire_date", f.HireDate},
		{"retirement_date", f.RetirementDate},
	}
	if f.GenderProvided {
		cols = append(cols, Column{"gender", f.Gender})
	}
	return cols
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

// MedimentOnlyField names one mediment-only column and why an admin needs it.
type MedimentOnlyField struct {
	Column string
	Label  string
	Why    string
}

// MedimentOnly lists the mediment-only columns in the order the help page
// gives them, with the reason each matters (SPEC §2 rule 7).
var MedimentOnly = []MedimentOnlyField{
	{"insurance_name_kana", "社保用の姓名（セイメイ）", "always required"},
	{"employment_category", "正社員・管理職の有無", "the unit of the stress check's group analysis"},
	{"insurance_card_number", "保険証番号", "required unless only the stress check is used"},
	{"nationality", "国籍", "needed for the health pulse survey's productivity analysis"},
	{"job_title", "役職", "needed for the health pulse survey's productivity analysis"},
	{"employment_period", "雇用期間", "needed for the health pulse survey's productivity analysis"},
}

func (m MedimentOnlyFields) values() []*string {
	return []*string{m.InsuranceNameKana, m.EmploymentCategory, m.InsuranceCardNumber, m.Nationality, m.JobTitle, m.EmploymentPeriod}
}

// Missing names the mediment-only columns that are empty.
func (m MedimentOnlyFields) Missing() []string {
	var missing []string
	for i, v := range m.values() {
		if v == nil || *v == "" {
			missing = append(missing, MedimentOnly[i].Column)
		}
	}
	return missing
}

// Defaults are the values a newly created employee gets (SPEC §2 rule 6):
// 社会保険 加入, ストレスチェック 対象, 健康診断 対象. Only on creation: an admin
// may change them and later syncs never reset them.
var Defaults = []string{"social_insurance", "stress_check_target", "health_checkup_target"}

// Employee is what a roster decision needs to know of a mediment employee.
type Employee struct {
	ID           int64
	HRMOSUserID  *int64
	Synced       SyncedFields
	MedimentOnly MedimentOnlyFields
}
