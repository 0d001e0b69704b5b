//! Unknown-AI discovery: hosts that match no signature but look like AI services, grouped by
//! registrable domain (public suffix list) so an analyst can find what no catalogue knows.
//!
//! Signals are whole tokens, never substrings: a host's labels (left of the public suffix) are
//! split at every non-letter, so `open-ai-tools.com` yields `ai` but `airbnb.com`, `mail.com`,
//! `maine.gov` and `chairish.com` yield nothing. The exceptions are the `.ai` top-level domain
//! and `gpt`, which occurs in no common English word and is the strongest brand signal.

use std::path::Path;

use anyhow::Context;
use publicsuffix::{List, Psl};

/// The public suffix list shipped in `signatures/`, compiled in.
const EMBEDDED_PSL: &[u8] = include_bytes!("../signatures/public_suffix_list.dat");

/// Loads `path`, or the embedded list when `None`.
pub fn load_psl(path: Option<&Path>) -> anyhow::Result<List> {
    let bytes = match path {
        Some(p) => std::fs::read(p)
            .with_context(|| format!("reading public suffix list {}", p.display()))?,
        None => EMBEDDED_PSL.to_vec(),
    };
    let list = List::from_bytes(&bytes).map_err(|e| anyhow::anyhow!("public suffix list: {e}"))?;
    Ok(list)
}

/// Whole-token signals and their weights. Strong ones name AI outright; weak ones (`chat`,
/// `agent`) also appear in support widgets and are ranked lower.
const TOKENS: &[(&str, u32)] = &[
    ("ai", 2),
    ("gpt", 3),
    ("llm", 3),
    ("llms", 3),
    ("genai", 3),
    ("copilot", 3),
    ("chatbot", 3),
    ("openai", 3),
    ("chat", 1),
    ("agent", 1),
    ("agents", 1),
    ("neural", 2),
    ("diffusion", 2),
    ("inference", 2),
    ("prompt", 2),
    ("prompts", 2),
    ("ml", 1),
    ("transcribe", 1),
    ("assistant", 1),
    ("rag", 1),
];

/// Bit for the `.ai` top-level domain; token `i` is bit `i`.
const AI_TLD: u32 = 1 << 31;
/// Bit for `gpt` inside a longer token (`mygpt`, `gptzero`).
const GPT_INSIDE: u32 = 1 << 30;

/// Why a domain looks like AI, as a bit set (see [`Reasons::describe`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reasons(pub u32);

impl Reasons {
    /// Ranking weight.
    pub fn score(self) -> u32 {
        let mut s = 0;
        if self.0 & AI_TLD != 0 {
            s += 3;
        }
        if self.0 & GPT_INSIDE != 0 {
            s += 2;
        }
        for (i, (_, w)) in TOKENS.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                s += w;
            }
        }
        s
    }

    /// `tld:.ai;token:gpt`, for reports.
    pub fn describe(self) -> String {
        let mut parts = Vec::new();
        if self.0 & AI_TLD != 0 {
            parts.push("tld:.ai".to_string());
        }
        for (i, (t, _)) in TOKENS.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                parts.push(format!("token:{t}"));
            }
        }
        if self.0 & GPT_INSIDE != 0 {
            parts.push("contains:gpt".to_string());
        }
        parts.join(";")
    }
}

/// If `host` (normalized) looks like an AI service: where its registrable domain starts in
/// `host`, and why.
pub fn assess(psl: &List, host: &[u8]) -> Option<(usize, Reasons)> {
    if host.is_empty()
        || host.contains(&b':')
        || host.iter().all(|c| c.is_ascii_digit() || *c == b'.')
    {
        return None;
    }
    let domain = psl.domain(host)?;
    let suffix_len = domain.suffix().as_bytes().len();
    let start = host.len() - domain.as_bytes().len();
    let mut bits = 0u32;
    if domain.suffix().as_bytes() == b"ai" {
        bits |= AI_TLD;
    }
    // Labels left of the suffix: subdomains and the registrable label.
    let named = &host[..host.len() - suffix_len];
    for token in named
        .split(|c| !c.is_ascii_alphabetic())
        .filter(|t| !t.is_empty())
    {
        match TOKENS
            .iter()
            .position(|(t, _)| t.as_bytes().eq_ignore_ascii_case(token))
        {
            Some(i) => bits |= 1 << i,
            None if memchr::memmem::find(token, b"gpt").is_some() => bits |= GPT_INSIDE,
            None => {}
        }
    }
    (bits != 0).then_some((start, Reasons(bits)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(host: &str) -> Option<(String, String)> {
        let psl = load_psl(None).unwrap();
        assess(&psl, host.as_bytes()).map(|(s, r)| (host[s..].to_string(), r.describe()))
    }

    #[test]
    fn ai_signals_are_whole_tokens() {
        assert_eq!(
            check("app.novel-tool.ai"),
            Some(("novel-tool.ai".into(), "tld:.ai".into()))
        );
        assert_eq!(
            check("api.best-llm-host.io"),
            Some(("best-llm-host.io".into(), "token:llm".into()))
        );
        assert_eq!(
            check("chat.example.co.uk"),
            Some(("example.co.uk".into(), "token:chat".into()))
        );
        assert_eq!(
            check("mygpt.app"),
            Some(("mygpt.app".into(), "contains:gpt".into()))
        );
        for not_ai in [
            "airbnb.com",
            "www.mail.com",
            "maine.gov",
            "chairish.com",
            "thai.com",
            "10.0.0.1",
            "2001:db8::1",
            "localhost",
        ] {
            assert_eq!(check(not_ai), None, "{not_ai}");
        }
    }

    #[test]
    fn ranking_prefers_strong_signals() {
        let psl = load_psl(None).unwrap();
        let strong = assess(&psl, b"gpt-tools.ai").unwrap().1.score();
        let weak = assess(&psl, b"chat.zendesk.com").unwrap().1.score();
        assert!(strong > weak);
    }
}
