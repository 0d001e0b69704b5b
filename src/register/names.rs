//! Tool names as registers write them and as the catalogue knows them, compared through one
//! normalizer, so that the register's header recognition, `register update` and the
//! catalogue's alias check agree on what "the same name" means.

/// A name as names are compared: letters and digits, lowercase, everything else dropped, so
/// that `Chat GPT`, `chatgpt` and `ChatGPT!` are one name.
pub fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_punctuation_and_spacing() {
        assert_eq!(key("Chat GPT!"), "chatgpt");
        assert_eq!(key("  tl;dv "), "tldv");
        assert_eq!(key("Tool-ID"), "toolid");
        assert_eq!(key("Ärzte KI"), "ärzteki");
    }
}
