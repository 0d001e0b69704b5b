//! HTML escaping: the one function every piece of log-derived text passes through on its
//! way into `report.html` (by way of [`Page::text`](super::Page::text)).

use std::borrow::Cow;

/// Escapes text for HTML element content and quoted attribute values alike: `&`, `<`, `>`,
/// `"` and `'` (OWASP's rule for both contexts, so one function serves every place).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_the_five_characters() {
        assert_eq!(escape("alice"), "alice");
        assert!(matches!(escape("alice"), Cow::Borrowed(_)));
        assert_eq!(
            escape("<img src=x onerror=alert(1)>"),
            "&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(escape("a&b \"q\" 'r'"), "a&amp;b &quot;q&quot; &#39;r&#39;");
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape("ünïcödé → ok"), "ünïcödé → ok");
        assert_eq!(escape(""), "");
    }
}
