//! Title patterns for `ignore`, matched against titles as the portal stores them.

use crate::docspace::stored_title;

/// One element of a pattern.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    /// `*`: any run of characters, also none.
    Star,
    /// `?`: exactly one character.
    One,
    /// A character of the title's stored form.
    Char(char),
}

/// The pattern as the stored titles it means: the user writes titles as they type them, but the
/// portal stores `: + " < > | \ /`, tab and each half of an emoji as `_`. So the literal parts
/// are rewritten as titles are (and the whole pattern trimmed), while `*` and `?` stay
/// wildcards.
fn tokens(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(pattern.len());
    let mut literal = String::new();
    let flush = |literal: &mut String, tokens: &mut Vec<Token>| {
        tokens.extend(stored_literal(literal).chars().map(Token::Char));
        literal.clear();
    };
    for ch in pattern.trim().chars() {
        match ch {
            '*' | '?' => {
                flush(&mut literal, &mut tokens);
                tokens.push(if ch == '*' { Token::Star } else { Token::One });
            }
            c => literal.push(c),
        }
    }
    flush(&mut literal, &mut tokens);
    tokens
}

/// A literal part in stored form. Only the pattern as a whole is trimmed: the spaces around a
/// wildcard belong to the title.
fn stored_literal(literal: &str) -> String {
    let leading = literal.len() - literal.trim_start().len();
    let trailing = literal.len() - literal.trim_end().len();
    if literal.trim().is_empty() {
        return literal.to_owned();
    }
    format!(
        "{}{}{}",
        &literal[..leading],
        stored_title(literal),
        &literal[literal.len() - trailing..]
    )
}

/// Whether the stored `title` matches `pattern` as the user wrote it (see [`Pattern`]).
#[cfg(test)]
pub(crate) fn glob_match(pattern: &str, title: &str) -> bool {
    Pattern::new(pattern).matches(title)
}

/// A pattern as the user wrote it, ready to match stored titles: `*` matches any run of
/// characters (also none) and `?` exactly one character; every other character matches its
/// stored form only (case matters). A pattern without wildcards is an exact match of the stored
/// title. Matching runs in O(pattern × title) at worst.
pub(crate) struct Pattern(Vec<Token>);

impl Pattern {
    /// Rewrites the pattern's literal parts once, for matching many titles.
    pub(crate) fn new(pattern: &str) -> Pattern {
        Pattern(tokens(pattern))
    }

    /// Whether the stored `title` matches.
    pub(crate) fn matches(&self, title: &str) -> bool {
        match_tokens(&self.0, title)
    }
}

fn match_tokens(pattern: &[Token], title: &str) -> bool {
    let title: Vec<char> = title.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the title position it currently stands for the end of.
    let mut star: Option<(usize, usize)> = None;
    while t < title.len() {
        match pattern.get(p) {
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Token::One) => {
                p += 1;
                t += 1;
            }
            Some(Token::Char(c)) if *c == title[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                // Let the last `*` swallow one more character and retry from there.
                Some((star_p, star_t)) => {
                    star = Some((star_p, star_t + 1));
                    p = star_p + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|token| *token == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn literal_parts_match_the_stored_form_of_what_the_user_typed() {
        assert!(glob_match("R&D: scratch*", "R&D_ scratch 1"));
        assert!(glob_match("a/b?c", "a_bXc"));
        assert!(glob_match("Team \u{1F680} *", "Team __ launch"));
        assert!(glob_match("  Sandbox*  ", "Sandbox 2"));
        assert!(glob_match("Q3 * plan", "Q3 sales plan"));
        assert!(!glob_match("R&D: scratch*", "R&D: scratch 1"), "a portal never stores `:`");
        assert!(!glob_match("Q3 * plan", "Q3 sales plans"));
    }
}
