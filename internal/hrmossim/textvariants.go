package hrmossim

import (
	"strings"
	"unicode/utf8"
)

// Width variants that appear in real Japanese HR data: employee numbers typed
// with an IME in full-width (Ａ００１２３), kana pasted from a payroll export in
// half-width (ﾔﾏﾀﾞ), names padded with the ideographic space U+3000.

const ideographicSpace = "\u3000"

// toFullWidthASCII turns printable ASCII into its full-width form (A → Ａ, 1 → １).
func toFullWidthASCII(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 3)
	for _, r := range s {
		if r >= '!' && r <= '~' {
			r += 0xFF01 - '!'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Full-width katakana and their half-width spellings, in matching order.
const (
	fullKanaPlain   = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー"
	halfKanaPlain   = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ"
	fullKanaVoiced  = "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ"
	baseKanaVoiced  = "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎｳ"
	fullKanaSemi    = "パピプペポ"
	baseKanaSemi    = "ﾊﾋﾌﾍﾎ"
	halfDakuten     = "ﾞ"
	halfHandakuten  = "ﾟ"
	halfDakutenRune = 'ﾞ'
	halfHandakuRune = 'ﾟ'
)

var (
	fullToHalfKana = buildFullToHalfKana()
	halfToFullKana = buildHalfToFullKana()
)

func buildFullToHalfKana() map[rune]string {
	m := make(map[rune]string, 100)
	pair := func(full, half, suffix string) {
		fr := []rune(full)
		hr := []rune(half)
		for i := range fr {
			m[fr[i]] = string(hr[i]) + suffix
		}
	}
	pair(fullKanaPlain, halfKanaPlain, "")
	pair(fullKanaVoiced, baseKanaVoiced, halfDakuten)
	pair(fullKanaSemi, baseKanaSemi, halfHandakuten)
	return m
}

func buildHalfToFullKana() map[string]rune {
	m := make(map[string]rune, 100)
	for full, half := range fullToHalfKana {
		m[half] = full
	}
	return m
}

// toHalfWidthKana turns full-width katakana into half-width (ヤマダ → ﾔﾏﾀﾞ);
// other runes are kept.
func toHalfWidthKana(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if h, ok := fullToHalfKana[r]; ok {
			b.WriteString(h)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// canonicalText is what a careful client would store for a messy value:
// half-width kana joined back to full-width, full-width ASCII to ASCII, every
// space (ASCII or ideographic) removed. PersonalStrings lists it beside the
// raw value, so a leak of the cleaned value is caught as well.
func canonicalText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == ' ' || r == '\u3000':
			continue
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteRune(r - 0xFF01 + '!')
			continue
		case r >= 0xFF61 && r <= 0xFF9F:
			// A half-width kana may be followed by a voicing mark.
			if i < len(s) {
				next, nsize := utf8.DecodeRuneInString(s[i:])
				if next == halfDakutenRune || next == halfHandakuRune {
					if full, ok := halfToFullKana[string(r)+string(next)]; ok {
						b.WriteRune(full)
						i += nsize
						continue
					}
				}
			}
			if full, ok := halfToFullKana[string(r)]; ok {
				b.WriteRune(full)
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}
