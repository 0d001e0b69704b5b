//! Tool names as registers write them and as the catalogue knows them, compared through one
//! normalizer, so that "ChatGPT Team", "OpenAI ChatGPT" and "chatgpt" are one tool and the
//! register join, `register update`, header recognition and the catalogue's alias check agree
//! on what "the same name" means.
//!
//! A register row names a product the way its purchase order did: with the vendor in front
//! ("Google Gemini"), the plan behind ("GitHub Copilot Business"), the web address instead of
//! the name ("Claude.ai") or a remark in parentheses ("Otter (app)"). [`Variants`] strips
//! those step by step ([`Level`]), and [`NameIndex`] holds every catalogue name and id at each
//! step, so the join looks a row up exact first and more stripped only while nothing is found.
//! Aliases are names the catalogue spells out in full ("Copilot for Microsoft 365"): a row,
//! stripped or not, may equal one, but an alias is never stripped itself, since what it would
//! lose is what sets it apart ("Copilot").
//!
//! A stripped name can fit two tools ("Copilot" is Microsoft's and GitHub's): the index then
//! returns both and the join leaves the row unmatched rather than guess, because a wrong join
//! puts a wrong tier in an audit report.

use std::collections::HashMap;

use crate::signatures::ToolId;

/// A name as names are compared: letters and digits, lowercase, everything else dropped, so
/// that `Chat GPT`, `chatgpt` and `ChatGPT!` are one name.
pub fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Vendors that registers write before the product ("OpenAI ChatGPT", "Anthropic Claude",
/// "Microsoft Copilot Studio"), as word sequences; stripped at [`Level::Vendor`] only.
/// Longer forms first, so "Mistral AI Le Chat" loses both words.
const VENDORS: &[&[&str]] = &[
    &["openai"],
    &["anthropic"],
    &["google"],
    &["microsoft"],
    &["github"],
    &["amazon"],
    &["aws"],
    &["mistral", "ai"],
    &["mistral"],
];

/// Editions and plans that registers write after the product ("ChatGPT Team", "GitHub
/// Copilot Business", "Gemini for Google Workspace"), as word sequences. Longer forms first.
const EDITIONS: &[&[&str]] = &[
    &["for", "microsoft", "365"],
    &["for", "google", "workspace"],
    &["for", "business"],
    &["for", "enterprise"],
    &["team"],
    &["teams"],
    &["business"],
    &["enterprise"],
    &["pro"],
    &["plus"],
    &["premium"],
    &["edu"],
    &["individual"],
    &["free"],
];

/// Web-address endings that stand for the product ("Claude.ai", "Copy.ai", "You.com").
const DOMAIN_ENDINGS: &[&str] = &[".ai", ".com", ".io"];

/// How much of a name is stripped before comparing, in the order the join tries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Only case, punctuation and spacing ([`key`]).
    Exact,
    /// Also a parenthesised remark and a web-address ending ("Google Gemini (app)",
    /// "Claude.ai").
    Remark,
    /// Also edition and plan words ("ChatGPT Team", "Copilot for Microsoft 365").
    Edition,
    /// Also a leading vendor and a trailing word "AI" ("OpenAI ChatGPT", "Jasper AI"), which
    /// make two different tools look alike more often ("Rev" and "Rev AI"), so they come last.
    Vendor,
}

impl Level {
    /// Every level, in the order the join tries them.
    pub const ALL: [Level; 4] = [Level::Exact, Level::Remark, Level::Edition, Level::Vendor];
}

/// The keys of one name, one per [`Level`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variants([String; 4]);

impl Variants {
    /// The keys of `name`. Stripping never empties a name: a rule that would leave nothing
    /// (or a one-letter web-address stem, as "Z.ai") is not applied.
    pub fn of(name: &str) -> Variants {
        let mut words = words(name);
        let exact = key(name);
        let mut last = exact.clone();
        let mut next = |level| {
            // Most names lose nothing: their key is the one before, copied, not rebuilt.
            if strip(&mut words, level) {
                last = joined(&words);
            }
            last.clone()
        };
        let remark = next(Level::Remark);
        let edition = next(Level::Edition);
        let vendor = next(Level::Vendor);
        Variants([exact, remark, edition, vendor])
    }

    /// The same key at every level: an id or an alias, which are never stripped.
    fn unstripped(key: String) -> Variants {
        Variants([key.clone(), key.clone(), key.clone(), key])
    }

    /// The key at `level`.
    pub fn at(&self, level: Level) -> &str {
        &self.0[level as usize]
    }
}

/// The words of a lowercased name: runs of letters, digits and dots (a dot belongs to a
/// web address), with `(` and `)` as words of their own so a remark can be found.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let end_word = |word: &mut String, out: &mut Vec<String>| {
        let w = word.trim_matches('.');
        if !w.is_empty() {
            out.push(w.to_string());
        }
        word.clear();
    };
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '.' {
            word.push(c);
            continue;
        }
        end_word(&mut word, &mut out);
        if c == '(' || c == ')' {
            out.push(c.to_string());
        }
    }
    end_word(&mut word, &mut out);
    out
}

/// The key of (stripped) words.
fn joined(words: &[String]) -> String {
    words.iter().map(|w| key(w)).collect()
}

/// Whether `words` hold a word outside the parentheses.
fn has_name(words: &[String]) -> bool {
    words.iter().any(|w| w != "(" && w != ")")
}

/// Strips what `level` strips (and every level before it) until nothing more goes; whether
/// anything went.
fn strip(words: &mut Vec<String>, level: Level) -> bool {
    let mut stripped = false;
    let mut changed = true;
    while changed {
        changed = false;
        // A parenthesised remark at the end: "Google Gemini (app)".
        if words.last().is_some_and(|w| w == ")")
            && let Some(open) = words.iter().rposition(|w| w == "(")
            && has_name(&words[..open])
        {
            words.truncate(open);
            changed = true;
        }
        // A web address for the name: "Claude.ai".
        if let Some(last) = words.last_mut()
            && let Some(stem) = DOMAIN_ENDINGS.iter().find_map(|end| last.strip_suffix(end))
            && key(stem).chars().count() >= 2
        {
            *last = stem.to_string();
            changed = true;
        }
        if level >= Level::Edition
            && let Some(edition) = EDITIONS
                .iter()
                .find(|e| words.len() > e.len() && ends_with(words, e))
        {
            words.truncate(words.len() - edition.len());
            changed = true;
        }
        if level >= Level::Vendor {
            if let Some(v) = VENDORS
                .iter()
                .find(|v| words.len() > v.len() && starts_with(words, v))
            {
                words.drain(..v.len());
                changed = true;
            }
            if words.len() > 1 && words.last().is_some_and(|w| w == "ai") {
                words.pop();
                changed = true;
            }
        }
        // Punctuation left behind ("ChatGPT (Team)" once its edition word went).
        while words.len() > 1 && words.last().is_some_and(|w| w == "(" || w == ")") {
            words.pop();
            changed = true;
        }
        stripped |= changed;
    }
    stripped
}

/// Whether `words` end with the word sequence `tail`.
fn ends_with(words: &[String], tail: &[&str]) -> bool {
    words.len() >= tail.len() && words[words.len() - tail.len()..].iter().eq(tail.iter())
}

/// Whether `words` start with the word sequence `head`.
fn starts_with(words: &[String], head: &[&str]) -> bool {
    words.len() >= head.len() && words[..head.len()].iter().eq(head.iter())
}

/// How a name found its tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The tool's name or id (a register's name column often holds the id).
    Name,
    /// One of the tool's `aliases`.
    Alias,
}

/// What a name lookup found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// One tool.
    One(ToolId, Via),
    /// Several tools fit the name equally (at the first level that found any), in catalogue
    /// order: the name is ambiguous.
    Several(Vec<ToolId>),
    /// No tool.
    None,
}

/// One tool under one key: how it has the key, and from which [`Level`] on.
#[derive(Clone, Copy, Debug)]
struct Keyed {
    tool: ToolId,
    via: Via,
    level: Level,
}

/// Every tool's name, id and aliases at each [`Level`], built once per join.
///
/// # Performance
/// One map for every level: a key holds each tool that has it, with the lowest level it has
/// it at, so a tool adds each distinct key once (most names lose nothing when stripped and
/// have one key). A lookup takes the row's [`Variants`] (built once per row, and reused when
/// the row becomes an in-house tool) and probes the map once per distinct key, at most four
/// times, whatever the size of the catalogue or the register.
#[derive(Default)]
pub struct NameIndex {
    keys: HashMap<String, Vec<Keyed>>,
}

impl NameIndex {
    /// Adds a tool's id, name (its variants) and aliases.
    pub fn add<'a>(
        &mut self,
        tool: ToolId,
        id: &str,
        name: Variants,
        aliases: impl IntoIterator<Item = &'a str>,
    ) {
        // The name first: a key that is both the name and an alias reports the name.
        let mut keyed: Vec<(Variants, Via)> = vec![
            (name, Via::Name),
            (Variants::unstripped(key(id)), Via::Name),
        ];
        keyed.extend(
            aliases
                .into_iter()
                .map(|a| (Variants::unstripped(key(a)), Via::Alias)),
        );
        for (v, via) in &keyed {
            for level in Level::ALL {
                let k = v.at(level);
                if k.is_empty()
                    || (level > Level::Exact && v.at(Level::ALL[level as usize - 1]) == k)
                {
                    continue;
                }
                let new = Keyed {
                    tool,
                    via: *via,
                    level,
                };
                match self.keys.get_mut(k) {
                    Some(tools) => match tools.iter_mut().find(|t| t.tool == tool) {
                        Some(t) if t.level > level => *t = new,
                        Some(_) => {}
                        None => tools.push(new),
                    },
                    None => {
                        self.keys.insert(k.to_string(), vec![new]);
                    }
                }
            }
        }
    }

    /// The tool a register name (its variants) means: exact first, then stripped a level
    /// more at a time; the first level that finds anything decides, so a less stripped name
    /// always wins over a more stripped one that fits another tool. An exact key two tools
    /// share (one's name, the other's id) finds the first, as a search in catalogue order
    /// would.
    pub fn find(&self, v: &Variants) -> Found {
        let mut probed: Option<(&str, Option<&Vec<Keyed>>)> = None;
        for level in Level::ALL {
            let k = v.at(level);
            let tools = match probed {
                Some((p, tools)) if p == k => tools,
                _ => self.keys.get(k),
            };
            probed = Some((k, tools));
            let mut fit = tools.into_iter().flatten().filter(|t| t.level <= level);
            if level == Level::Exact {
                if let Some(t) = fit.next() {
                    return Found::One(t.tool, t.via);
                }
                continue;
            }
            let fit: Vec<&Keyed> = fit.collect();
            match fit.as_slice() {
                [] => {}
                [t] => return Found::One(t.tool, t.via),
                several => {
                    let mut tools: Vec<ToolId> = several.iter().map(|t| t.tool).collect();
                    tools.sort_unstable();
                    return Found::Several(tools);
                }
            }
        }
        Found::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys at `Remark`, `Edition` and `Vendor`.
    fn v(name: &str) -> (String, String, String) {
        let v = Variants::of(name);
        let at = |l| v.at(l).to_string();
        (at(Level::Remark), at(Level::Edition), at(Level::Vendor))
    }

    #[test]
    fn case_punctuation_and_spacing() {
        assert_eq!(key("Chat GPT!"), "chatgpt");
        assert_eq!(key("  tl;dv "), "tldv");
        assert_eq!(key("Tool-ID"), "toolid");
        assert_eq!(key("Ärzte KI"), "ärzteki");
        assert_eq!(
            Variants::of("Chat-GPT (Team)").at(Level::Exact),
            "chatgptteam"
        );
    }

    #[test]
    fn each_rule_strips_its_part_at_its_level() {
        // A remark in parentheses and a web address, from `Remark` on.
        assert_eq!(v("Google Gemini (app)").0, "googlegemini");
        assert_eq!(v("Claude.ai").0, "claude");
        assert_eq!(v("Otter.ai (web app)").0, "otter");
        assert_eq!(v("ChatGPT Team (pilot)").0, "chatgptteam");
        // Edition and plan words, one or several, any punctuation between, from `Edition` on.
        assert_eq!(v("ChatGPT Team").1, "chatgpt");
        assert_eq!(v("ChatGPT - Enterprise").1, "chatgpt");
        assert_eq!(v("ChatGPT (Team)").1, "chatgpt");
        assert_eq!(v("GitHub Copilot Business").1, "githubcopilot");
        assert_eq!(v("Copilot for Microsoft 365").1, "copilot");
        assert_eq!(v("Gemini for Google Workspace").1, "gemini");
        assert_eq!(v("Perplexity Enterprise Pro").1, "perplexity");
        assert_eq!(v("Notion for Business").1, "notion");
        assert_eq!(v("Claude.ai Pro").1, "claude");
        // The vendor and a trailing "AI" only at the last level.
        assert_eq!(
            v("OpenAI ChatGPT Team"),
            (
                "openaichatgptteam".into(),
                "openaichatgpt".into(),
                "chatgpt".into()
            )
        );
        assert_eq!(v("Anthropic Claude").2, "claude");
        assert_eq!(v("Microsoft 365 Copilot").2, "365copilot");
        assert_eq!(v("Mistral AI Le Chat").2, "lechat");
        assert_eq!(v("Mistral Le Chat").2, "lechat");
        assert_eq!(v("Jasper AI").1, "jasperai");
        assert_eq!(v("Jasper AI").2, "jasper");
    }

    #[test]
    fn stripping_never_empties_a_name() {
        assert_eq!(v("Team"), ("team".into(), "team".into(), "team".into()));
        assert_eq!(v("Microsoft Teams").2, "microsoft");
        assert_eq!(v("Google").2, "google");
        assert_eq!(v("Mistral AI").2, "ai");
        assert_eq!(v("Z.ai").0, "zai", "a one-letter stem keeps its ending");
        assert_eq!(v("(beta)").0, "beta");
        assert_eq!(v("Pro Plus").1, "pro");
        assert_eq!(v("").2, "");
    }

    /// An index of a few tools, and a lookup by name.
    struct Ix(NameIndex);

    impl Ix {
        fn find(&self, name: &str) -> Found {
            self.0.find(&Variants::of(name))
        }
    }

    fn index() -> Ix {
        let mut ix = NameIndex::default();
        let mut add = |t, id, name, aliases: &[&str]| {
            ix.add(t, id, Variants::of(name), aliases.iter().copied());
        };
        add(0, "chatgpt", "ChatGPT", &["ChatGPT Edu"]);
        add(1, "microsoft-copilot", "Microsoft Copilot", &["Bing Chat"]);
        add(2, "github-copilot", "GitHub Copilot", &[]);
        add(3, "rev", "Rev", &[]);
        add(4, "rev-ai", "Rev AI", &[]);
        add(5, "gemini", "Google Gemini (app)", &[]);
        add(
            6,
            "microsoft-365-copilot",
            "Microsoft 365 Copilot",
            &[
                "Copilot for Microsoft 365",
                "Microsoft Copilot for Microsoft 365",
            ],
        );
        Ix(ix)
    }

    #[test]
    fn lookups_prefer_the_least_stripped_name_and_say_how_they_found_it() {
        let ix = index();
        assert_eq!(ix.find("chatgpt"), Found::One(0, Via::Name));
        assert_eq!(ix.find("Chat GPT"), Found::One(0, Via::Name));
        assert_eq!(ix.find("ChatGPT Edu"), Found::One(0, Via::Alias));
        assert_eq!(ix.find("bing chat"), Found::One(1, Via::Alias));
        assert_eq!(ix.find("ChatGPT Team"), Found::One(0, Via::Name));
        assert_eq!(
            ix.find("OpenAI ChatGPT Enterprise"),
            Found::One(0, Via::Name)
        );
        assert_eq!(ix.find("Google Gemini"), Found::One(5, Via::Name));
        assert_eq!(ix.find("GitHub Copilot Business"), Found::One(2, Via::Name));
        assert_eq!(ix.find("Microsoft Copilot Pro"), Found::One(1, Via::Name));
        assert_eq!(ix.find("Rev AI"), Found::One(4, Via::Name));
        assert_eq!(ix.find("Rev AI Enterprise"), Found::One(4, Via::Name));
        assert_eq!(ix.find("Rev Pro"), Found::One(3, Via::Name));
        assert_eq!(ix.find("ChatGTP"), Found::None);
        // An alias is found exactly, also by a row that strips to it ...
        assert_eq!(
            ix.find("Copilot for Microsoft 365"),
            Found::One(6, Via::Alias)
        );
        assert_eq!(
            ix.find("Copilot for Microsoft 365 (E5)"),
            Found::One(6, Via::Alias)
        );
        assert_eq!(
            ix.find("Microsoft Copilot for Microsoft 365"),
            Found::One(6, Via::Alias)
        );
        // ... but never stripped itself: "Copilot for Microsoft 365" is no "Copilot".
        assert_eq!(ix.find("Microsoft Copilot Team"), Found::One(1, Via::Name));
    }

    /// A stripped name that fits two tools is ambiguous, never the first of them.
    #[test]
    fn an_ambiguous_stripped_name_finds_both_tools() {
        let ix = index();
        assert_eq!(ix.find("Copilot"), Found::Several(vec![1, 2]));
        assert_eq!(ix.find("Copilot Business"), Found::Several(vec![1, 2]));
        assert_eq!(ix.find("Rev Enterprise AI"), Found::Several(vec![3, 4]));
        // ... while the exact names still find their own tool.
        assert_eq!(ix.find("Microsoft Copilot"), Found::One(1, Via::Name));
        assert_eq!(ix.find("GitHub Copilot"), Found::One(2, Via::Name));
    }
}
