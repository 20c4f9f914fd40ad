//! Text from the portal made safe to show: control, bidirectional and zero-width characters
//! are written as `\u{…}` escapes so a room title cannot rewrite the terminal or hide itself.

/// The plural ending for `n` things: `""` for one, `"s"` otherwise.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Escapes the characters in `text` that a terminal would act on or not show.
pub(crate) fn escape(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if needs_escape(ch) {
            out.push_str(&format!("\\u{{{:x}}}", ch as u32));
        } else {
            out.push(ch);
        }
    }
    out
}

fn needs_escape(ch: char) -> bool {
    ch.is_control()
        || matches!(ch,
            '\u{200b}'..='\u{200f}'   // zero-width space/joiners, LRM, RLM
            | '\u{202a}'..='\u{202e}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{feff}'              // zero-width no-break space
            | '\u{061c}'              // Arabic letter mark
        )
}

/// `text` in double quotes, as plans show free text (a watermark): a quote in it is escaped
/// with a backslash, and what [`escape`] escapes is escaped, so the quotes always delimit it.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in escape(text).chars() {
        if matches!(ch, '"') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// `text` as one word for a POSIX shell, to paste into a command: single-quoted (a quote in it
/// written `'\''`), and what [`escape`] escapes escaped, so it never acts on the terminal.
pub(crate) fn shell_word(text: &str) -> String {
    format!("'{}'", escape(text).replace('\'', r"'\''"))
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shell_word_is_single_quoted_whatever_it_holds() {
        assert_eq!(shell_word("A archived"), "'A archived'");
        assert_eq!(shell_word("Bob's $HOME `x`"), r"'Bob'\''s $HOME `x`'");
    }

    #[test]
    fn escapes_escape_sequences_bidi_and_zero_width() {
        assert_eq!(escape("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("x\u{200b}y"), "x\\u{200b}y");
        assert_eq!(escape("Légal 中文 עברית"), "Légal 中文 עברית");
    }

    #[test]
    fn quoted_text_keeps_its_quotes_apart() {
        assert_eq!(quoted(r#"Say "hi""#), r#""Say \"hi\"""#);
        assert_eq!(quoted("plain"), "\"plain\"");
        assert_eq!(quoted("a\u{1b}b"), "\"a\\u{1b}b\"");
    }

    #[test]
    fn truncate_cuts_on_characters() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hi", 2), "hi");
    }
}
