//! Kinsoku (禁則) classes of JLREQ at the strict level: which characters may not start or end a
//! line, which may hang, which pairs may not be separated. Knows nothing about fonts or boxes.

/// Closing brackets, hyphens, dividing punctuation, middle dots, full stops, commas,
/// iteration marks, the prolonged sound mark and small kana (cl-02 … cl-07, cl-09 … cl-11).
pub fn not_at_line_start(c: char) -> bool {
    matches!(
        c,
        // cl-02 closing brackets
        '」' | '』' | '）' | '〕' | '］' | '｝' | '〉' | '》' | '】' | '〙' | '〗' | '”' | '’' | ')' | ']' | '}'
        // cl-03 hyphens, cl-04 dividing punctuation, cl-05 middle dots
        | '‐' | '〜' | '゠' | '–' | '～'
        | '！' | '？' | '‼' | '⁇' | '⁈' | '⁉' | '!' | '?'
        | '・' | '：' | '；' | ':' | ';'
        // cl-06 full stops, cl-07 commas
        | '。' | '．' | '、' | '，' | '.' | ','
        // cl-09 iteration marks, cl-10 prolonged sound mark
        | '々' | 'ゝ' | 'ゞ' | 'ヽ' | 'ヾ' | '〻' | 'ー'
        // cl-11 small kana
        | 'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ' | 'っ' | 'ゃ' | 'ゅ' | 'ょ' | 'ゎ' | 'ゕ' | 'ゖ'
        | 'ァ' | 'ィ' | 'ゥ' | 'ェ' | 'ォ' | 'ッ' | 'ャ' | 'ュ' | 'ョ' | 'ヮ' | 'ヵ' | 'ヶ'
        | 'ㇰ' | 'ㇱ' | 'ㇲ' | 'ㇳ' | 'ㇴ' | 'ㇵ' | 'ㇶ' | 'ㇷ' | 'ㇸ' | 'ㇹ' | 'ㇺ' | 'ㇻ' | 'ㇼ' | 'ㇽ' | 'ㇾ' | 'ㇿ'
    )
}

/// Opening brackets (cl-01).
pub fn not_at_line_end(c: char) -> bool {
    matches!(
        c,
        '「' | '『'
            | '（'
            | '〔'
            | '［'
            | '｛'
            | '〈'
            | '《'
            | '【'
            | '〘'
            | '〖'
            | '“'
            | '‘'
            | '('
            | '['
            | '{'
    )
}

/// Full stops and commas that may hang past the line end (ぶら下げ, cl-06 and cl-07).
pub fn may_hang(c: char) -> bool {
    matches!(c, '。' | '．' | '、' | '，')
}

/// Inseparable characters (cl-08): a pair of the same one may not be broken.
pub fn inseparable(c: char) -> bool {
    matches!(c, '—' | '―' | '…' | '‥' | '〳' | '〴' | '〵')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        for c in "、。」）ーっゃ々・".chars() {
            assert!(not_at_line_start(c), "{c}");
        }
        for c in "「（【『".chars() {
            assert!(not_at_line_end(c), "{c}");
            assert!(!not_at_line_start(c), "{c}");
        }
        assert!(may_hang('、') && may_hang('。') && !may_hang('」'));
        assert!(inseparable('…') && inseparable('―'));
        assert!(!not_at_line_start('本'));
    }
}
