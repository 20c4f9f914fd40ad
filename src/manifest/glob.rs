//! Title patterns for `ignore`.

/// Whether `title` matches `pattern`, where `*` matches any run of characters (also none) and
/// `?` exactly one character; every other character matches only itself (case matters). A
/// pattern without wildcards is an exact match. Runs in O(pattern × title) at worst.
pub fn glob_match(pattern: &str, title: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let title: Vec<char> = title.chars().collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the title position it currently stands for the end of.
    let mut star: Option<(usize, usize)> = None;
    while t < title.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == title[t] => {
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
    pattern[p..].iter().all(|&c| c == '*')
}
