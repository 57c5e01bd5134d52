package hrmossim

import "strings"

// nameReading is a name in kanji with its katakana reading and the
// romanisation used to build e-mail addresses.
type nameReading struct {
	kanji, kana, romaji string
}

// familyNames are common Japanese family names, including the variant
// spellings 渡邊 and 髙橋 that real rosters carry.
var familyNames = []nameReading{
	{"佐藤", "サトウ", "sato"}, {"鈴木", "スズキ", "suzuki"}, {"高橋", "タカハシ", "takahashi"}, {"田中", "タナカ", "tanaka"}, {"伊藤", "イトウ", "ito"},
	{"渡辺", "ワタナベ", "watanabe"}, {"山本", "ヤマモト", "yamamoto"}, {"中村", "ナカムラ", "nakamura"}, {"小林", "コバヤシ", "kobayashi"}, {"加藤", "カトウ", "kato"},
	{"吉田", "ヨシダ", "yoshida"}, {"山田", "ヤマダ", "yamada"}, {"佐々木", "ササキ", "sasaki"}, {"山口", "ヤマグチ", "yamaguchi"}, {"松本", "マツモト", "matsumoto"},
	{"井上", "イノウエ", "inoue"}, {"木村", "キムラ", "kimura"}, {"林", "ハヤシ", "hayashi"}, {"斎藤", "サイトウ", "saito"}, {"清水", "シミズ", "shimizu"},
	{"山崎", "ヤマザキ", "yamazaki"}, {"森", "モリ", "mori"}, {"池田", "イケダ", "ikeda"}, {"橋本", "ハシモト", "hashimoto"}, {"阿部", "アベ", "abe"},
	{"石川", "イシカワ", "ishikawa"}, {"山下", "ヤマシタ", "yamashita"}, {"中島", "ナカジマ", "nakajima"}, {"石井", "イシイ", "ishii"}, {"小川", "オガワ", "ogawa"},
	{"前田", "マエダ", "maeda"}, {"岡田", "オカダ", "okada"}, {"長谷川", "ハセガワ", "hasegawa"}, {"藤田", "フジタ", "fujita"}, {"後藤", "ゴトウ", "goto"},
	{"近藤", "コンドウ", "kondo"}, {"村上", "ムラカミ", "murakami"}, {"遠藤", "エンドウ", "endo"}, {"青木", "アオキ", "aoki"}, {"坂本", "サカモト", "sakamoto"},
	{"斉藤", "サイトウ", "saito"}, {"福田", "フクダ", "fukuda"}, {"太田", "オオタ", "ota"}, {"西村", "ニシムラ", "nishimura"}, {"藤井", "フジイ", "fujii"},
	{"岡本", "オカモト", "okamoto"}, {"藤原", "フジワラ", "fujiwara"}, {"金子", "カネコ", "kaneko"}, {"三浦", "ミウラ", "miura"}, {"中野", "ナカノ", "nakano"},
	{"中川", "ナカガワ", "nakagawa"}, {"原田", "ハラダ", "harada"}, {"松田", "マツダ", "matsuda"}, {"竹内", "タケウチ", "takeuchi"}, {"小野", "オノ", "ono"},
	{"田村", "タムラ", "tamura"}, {"中山", "ナカヤマ", "nakayama"}, {"和田", "ワダ", "wada"}, {"石田", "イシダ", "ishida"}, {"上田", "ウエダ", "ueda"},
	{"森田", "モリタ", "morita"}, {"渡邊", "ワタナベ", "watanabe"}, {"髙橋", "タカハシ", "takahashi"},
}

// givenNames are common Japanese given names.
var givenNames = []nameReading{
	{"太郎", "タロウ", "taro"}, {"翔太", "ショウタ", "shota"}, {"健太", "ケンタ", "kenta"}, {"大輔", "ダイスケ", "daisuke"}, {"拓也", "タクヤ", "takuya"},
	{"直樹", "ナオキ", "naoki"}, {"誠", "マコト", "makoto"}, {"隆", "タカシ", "takashi"}, {"浩二", "コウジ", "koji"}, {"和也", "カズヤ", "kazuya"},
	{"蓮", "レン", "ren"}, {"悠真", "ユウマ", "yuma"}, {"湊", "ミナト", "minato"}, {"大翔", "ヒロト", "hiroto"}, {"陽太", "ヨウタ", "yota"},
	{"樹", "イツキ", "itsuki"}, {"颯太", "ソウタ", "sota"}, {"一郎", "イチロウ", "ichiro"}, {"修", "オサム", "osamu"}, {"剛", "ツヨシ", "tsuyoshi"},
	{"亮", "リョウ", "ryo"}, {"学", "マナブ", "manabu"}, {"智也", "トモヤ", "tomoya"}, {"雄一", "ユウイチ", "yuichi"}, {"翼", "ツバサ", "tsubasa"},
	{"優斗", "ユウト", "yuto"}, {"康介", "コウスケ", "kosuke"}, {"達也", "タツヤ", "tatsuya"}, {"正人", "マサト", "masato"}, {"聡", "サトシ", "satoshi"},
	{"花子", "ハナコ", "hanako"}, {"陽子", "ヨウコ", "yoko"}, {"恵子", "ケイコ", "keiko"}, {"美咲", "ミサキ", "misaki"}, {"愛", "アイ", "ai"},
	{"結衣", "ユイ", "yui"}, {"さくら", "サクラ", "sakura"}, {"陽菜", "ヒナ", "hina"}, {"葵", "アオイ", "aoi"}, {"凛", "リン", "rin"},
	{"美穂", "ミホ", "miho"}, {"真由美", "マユミ", "mayumi"}, {"由美子", "ユミコ", "yumiko"}, {"彩", "アヤ", "aya"}, {"明美", "アケミ", "akemi"},
	{"直美", "ナオミ", "naomi"}, {"千尋", "チヒロ", "chihiro"}, {"舞", "マイ", "mai"}, {"麻衣", "マイ", "mai"}, {"優子", "ユウコ", "yuko"},
	{"裕子", "ユウコ", "yuko"}, {"智子", "トモコ", "tomoko"}, {"久美子", "クミコ", "kumiko"}, {"沙織", "サオリ", "saori"}, {"奈々", "ナナ", "nana"},
	{"美紀", "ミキ", "miki"}, {"香織", "カオリ", "kaori"}, {"理恵", "リエ", "rie"}, {"杏", "アン", "an"}, {"芽衣", "メイ", "mei"},
	{"紗希", "サキ", "saki"},
}

// departmentNames are typical 部門 of a Japanese company, in display order.
var departmentNames = []string{
	"営業部", "開発部", "人事部", "総務部", "経理部", "法務部", "品質保証部", "カスタマーサポート部",
	"マーケティング部", "情報システム部", "製造部", "購買部", "経営企画部", "広報部",
}

// lodgmentSeeds are offices (拠点). HRMOS's example writes the address without
// the prefecture, which prefectural_id carries (JIS X 0401 codes assumed).
var lodgmentSeeds = []struct {
	name, address string
	prefecturalID int
}{
	{"本社", "千代田区丸の内1-1-1", 13},
	{"大阪支店", "大阪市北区梅田2-4-9", 27},
	{"名古屋営業所", "名古屋市中村区名駅3-28-12", 23},
	{"福岡営業所", "福岡市博多区博多駅前2-1-1", 40},
	{"札幌営業所", "札幌市中央区北五条西2-5", 1},
	{"仙台営業所", "仙台市青葉区中央1-3-1", 4},
	{"横浜事業所", "横浜市西区みなとみらい2-2-1", 14},
	{"広島営業所", "広島市南区松原町3-1", 34},
}

// employmentKinds are 雇用形態 with the share of employees who have each, the
// employee-number prefix it gets, and whether its prescribed day is shorter.
var employmentKinds = []struct {
	name     string
	share    float64
	prefix   byte
	partTime bool
}{
	{"正社員", 0.70, 'A', false},
	{"契約社員", 0.12, 'C', false},
	{"パート", 0.10, 'P', true},
	{"アルバイト", 0.05, 'P', true},
	{"派遣社員", 0.02, 'H', false},
	{"嘱託社員", 0.01, 'S', false},
}

// Width variants that appear in real Japanese HR data: employee numbers typed
// with an IME in full-width (Ａ００１２３), kana pasted from a payroll export in
// half-width (ﾔﾏﾀﾞ), names padded with the ideographic space U+3000.

const ideographicSpace = "\u3000"

// Full-width katakana and their half-width spellings, in matching order.
const (
	fullKanaPlain  = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォャュョッー"
	halfKanaPlain  = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｬｭｮｯｰ"
	fullKanaVoiced = "ガギグゲゴザジズゼゾダヂヅデドバビブベボヴ"
	baseKanaVoiced = "ｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾊﾋﾌﾍﾎｳ" // followed by ﾞ
	fullKanaSemi   = "パピプペポ"
	baseKanaSemi   = "ﾊﾋﾌﾍﾎ" // followed by ﾟ
)

var fullToHalfKana, halfToFullKana = kanaWidths()

func kanaWidths() (map[rune]string, map[string]rune) {
	toHalf, toFull := make(map[rune]string, 100), make(map[string]rune, 100)
	for _, p := range [][3]string{{fullKanaPlain, halfKanaPlain, ""}, {fullKanaVoiced, baseKanaVoiced, "ﾞ"}, {fullKanaSemi, baseKanaSemi, "ﾟ"}} {
		half := []rune(p[1])
		for i, r := range []rune(p[0]) {
			toHalf[r] = string(half[i]) + p[2]
			toFull[toHalf[r]] = r
		}
	}
	return toHalf, toFull
}

// toFullWidthASCII turns printable ASCII into its full-width form (A → Ａ, 1 → １).
func toFullWidthASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '!' && r <= '~' {
			return r + 0xFF01 - '!'
		}
		return r
	}, s)
}

// toHalfWidthKana turns full-width katakana into half-width (ヤマダ → ﾔﾏﾀﾞ);
// other runes are kept.
func toHalfWidthKana(s string) string {
	var b strings.Builder
	for _, r := range s {
		if h, ok := fullToHalfKana[r]; ok {
			b.WriteString(h)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// canonicalText is what a careful client would store for a messy value:
// half-width kana joined back to full-width (with its voicing mark), full-width
// ASCII to ASCII, every space (ASCII or ideographic) removed. PersonalStrings
// lists it beside the raw value, so a leak of the cleaned value is caught too.
func canonicalText(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == ' ' || r == '\u3000':
			continue
		case r >= 0xFF01 && r <= 0xFF5E:
			r += '!' - 0xFF01
		case r >= 0xFF61 && r <= 0xFF9F:
			if i+1 < len(rs) {
				if full, ok := halfToFullKana[string(rs[i:i+2])]; ok { // a kana and its voicing mark
					b.WriteRune(full)
					i++
					continue
				}
			}
			if full, ok := halfToFullKana[string(r)]; ok {
				r = full
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}
