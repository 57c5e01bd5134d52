package hrmossim

import "testing"

func TestWidthVariants(t *testing.T) {
	if got := toFullWidthASCII("A00123"); got != "Ａ００１２３" {
		t.Errorf("full width = %q", got)
	}
	if got := toHalfWidthKana("ヤマダ　パンダ"); got != "ﾔﾏﾀﾞ　ﾊﾟﾝﾀﾞ" {
		t.Errorf("half width = %q", got)
	}
	for _, s := range []string{fullKanaPlain, fullKanaVoiced, fullKanaSemi} {
		if got := canonicalText(toHalfWidthKana(s)); got != s {
			t.Errorf("round trip of %q = %q", s, got)
		}
	}
	if got := canonicalText("　山田 太郎　"); got != "山田太郎" {
		t.Errorf("canonical spaces = %q", got)
	}
	if got := canonicalText("Ａ００１２３"); got != "A00123" {
		t.Errorf("canonical full width = %q", got)
	}
	for _, n := range append(familyNames, givenNames...) {
		if canonicalText(toHalfWidthKana(n.kana)) != n.kana {
			t.Errorf("kana %q does not survive half width", n.kana)
		}
	}
}
