package rules

import "testing"

// Rule 2 compares normalized values: trimmed, NFKC so that full-width and
// half-width forms agree, spaces inside names ignored, e-mail addresses
// case-insensitive. The database computes these keys (normalize.go says
// why and how); internal/store proves the Go functions equal to it.
func TestRule2MatchingKeys(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"rule 2: a full-width 社員番号 is the half-width one", NormNumber("Ａ０００１"), "A0001"},
		{"rule 2: spaces around a 社員番号 are trimmed, an ideographic one too", NormNumber(" \u3000A0001\t "), "A0001"},
		{"rule 2: spaces inside a 社員番号 are kept", NormNumber("A 0001"), "A 0001"},
		{"rule 2: a 社員番号 of spaces is none", NormNumber(" \u3000 "), ""},
		{"rule 2: spaces inside 氏名 are ignored", NormName("山田　", " 太郎"), "山田太郎"},
		{"rule 2: family and given name are one key", NormName("山田 太郎", ""), "山田太郎"},
		{"rule 2: half-width kana are full-width kana", NormName("ﾔﾏﾀﾞ", "ﾀﾛｳ"), "ヤマダタロウ"},
		{"rule 2: a combining mark composes across family and given name", NormName("か", "\u3099"), "が"},
		{"rule 2: no 氏名 is no key", NormName("", " "), ""},
		{"rule 2: an e-mail address is case-insensitive and trimmed", NormEmail(" Taro.Yamada@Example.CO.JP "), "taro.yamada@example.co.jp"},
		{"rule 2: a full-width e-mail address is the half-width one", NormEmail("ｔａｒｏ@ＥＸＡＭＰＬＥ.jp"), "taro@example.jp"},
		{"rule 2: case is folded in every script, one character at a time", NormEmail("ΣΟΦΙΑ.İ@例.jp"), "σοφια.i@例.jp"},
		{"no e-mail address is no key", NormEmail(""), ""},
		// The database's \s, not Go's unicode.IsSpace: NEL is kept.
		{"NEL is no space to the database", NormNumber("A1\u0085"), "A1\u0085"},
		{"a no-break space becomes a space first, then goes", NormNumber("A1\u00a0"), "A1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("key = %q, want %q", tt.got, tt.want)
			}
		})
	}
}
