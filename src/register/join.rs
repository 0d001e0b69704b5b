//! The join of register rows with the signature catalogue: each row finds its tool by id, by
//! name (exact, then normalized: see `names`), or by domain, adds its domains as patterns, and
//! rows naming only domains of their own become in-house tools. A row that finds nothing is
//! *unmatched*: it is kept out of the policy (it registers no tool) and explained, with the
//! tool it probably means, because a row that silently joins nothing leaves the tool it meant
//! reported as unregistered shadow AI.
//!
//! # Performance
//! Registers of tens of thousands of rows exist (every in-house tool with its domains), so
//! each row costs a few hash probes, never a pass over the catalogue or the other rows: ids
//! through [`Catalogue::tool_by_id`], names through one [`NameIndex`] (every catalogue name's
//! variants built once), domains through the matcher. Only an unmatched row is compared with
//! every catalogue name, for its suggestion.

use publicsuffix::List;

use super::names::{Found, Level, NameIndex, Variants, Via};
use super::{Entry, Register, error};
use crate::signatures::{Catalogue, ToolId};

/// How a register row found its tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joined {
    /// Its `Tool ID` is the tool's id.
    Id,
    /// Its name is the tool's name or id, exactly or once normalized.
    Name,
    /// Its name is one of the tool's catalogue `aliases`, exactly or once normalized.
    Alias,
    /// One of its domains is a pattern of the tool.
    Domain,
    /// It names domains no tool has: a tool of its own (category `internal`).
    InHouse,
}

impl Joined {
    /// The word `register check` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Joined::Id => "id",
            Joined::Name => "name",
            Joined::Alias => "alias",
            Joined::Domain => "domain",
            Joined::InHouse => "in-house",
        }
    }
}

/// A catalogue tool an unmatched row may have meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    /// The tool's id (what to write in the row's `Tool ID`).
    pub id: String,
    /// The tool's name.
    pub name: String,
}

/// A register row that joined no tool and names no domain of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    /// Its index in [`Register::entries`].
    pub entry: usize,
    /// Its line.
    pub line: usize,
    /// Its name (its id when it has no name), as written.
    pub name: String,
    /// The tools it may mean: every tool its name fits when [`Unmatched::ambiguous`], else
    /// the closest catalogue name, if any is close.
    pub suggestions: Vec<Suggestion>,
    /// Whether its name fits several tools equally ("Copilot": Microsoft's or GitHub's).
    pub ambiguous: bool,
}

/// Characters of a row's name a message quotes; the rest is cut (`…`), as a cell may be
/// megabytes long.
const SHOWN_CHARS: usize = 120;

impl Unmatched {
    /// The warning: `register row "NAME" matches no catalogue tool; did you mean …?`
    /// (after the `FILE:LINE: ` the caller puts in front). The name is escaped as Rust escapes
    /// a string (`\"`, `\u{1b}`), so a cell can neither end the quote nor drive the terminal.
    pub fn message(&self) -> String {
        let mut shown: String = self.name.chars().take(SHOWN_CHARS).collect();
        if shown.len() < self.name.len() {
            shown.push('…');
        }
        let name = shown.escape_debug();
        let meant = self
            .suggestions
            .iter()
            .map(|s| format!("\"{}\" (id {})", s.name, s.id))
            .collect::<Vec<_>>()
            .join(" or ");
        let what = if self.ambiguous {
            "fits more than one catalogue tool"
        } else {
            "matches no catalogue tool"
        };
        if meant.is_empty() {
            format!(
                "register row \"{name}\" {what}; give its tool id (`shadowai signatures list`) or its domains"
            )
        } else {
            format!("register row \"{name}\" {what}; did you mean {meant}?")
        }
    }
}

/// How similar a name must be to a catalogue name to be suggested (normalized
/// Damerau-Levenshtein over the compared keys: "ChatGTP" to "chatgpt" is 0.86, one typo in
/// six letters 0.83); below it no suggestion beats a wrong one.
const SUGGEST_AT: f64 = 0.6;

/// A key to suggest, with what the cheap bound needs.
struct Candidate {
    key: String,
    tool: ToolId,
    len: usize,
    bag: Bag,
}

/// How often each letter and digit occurs in a key (anything else counted in one slot).
type Bag = [u16; 37];

fn bag(key: &str) -> Bag {
    let mut bag = [0u16; 37];
    for c in key.chars() {
        let slot = match c {
            'a'..='z' => c as usize - 'a' as usize,
            '0'..='9' => 26 + c as usize - '0' as usize,
            _ => 36,
        };
        bag[slot] = bag[slot].saturating_add(1);
    }
    bag
}

/// The bag distance of two keys: a lower bound of their edit distance (an edit changes each
/// side of the multiset difference by at most one, a transposition not at all), so a pair it
/// puts out of reach needs no Damerau-Levenshtein.
fn bag_distance(a: &Bag, b: &Bag) -> usize {
    let (mut more, mut fewer) = (0usize, 0usize);
    for (x, y) in a.iter().zip(b) {
        if x > y {
            more += usize::from(x - y);
        } else {
            fewer += usize::from(y - x);
        }
    }
    more.max(fewer)
}

/// The catalogue tool whose name, id or alias is closest to `name`, if close enough.
///
/// # Performance
/// Only unmatched rows get here, but a register may be a whole SaaS inventory of thousands of
/// rows the catalogue does not know. Each row is compared with every catalogue key through two
/// cheap lower bounds of the edit distance (the length difference and the bag distance); only
/// the few keys within reach are compared with `strsim`.
fn suggest(name: &str, keys: &[Candidate]) -> Option<ToolId> {
    let v = Variants::of(name);
    let mut best: Option<(f64, ToolId)> = None;
    for probe in [v.at(Level::Exact), v.at(Level::Vendor)] {
        let len = probe.chars().count();
        if len == 0 {
            continue;
        }
        let probe_bag = bag(probe);
        for k in keys {
            // The most edits a pair of these lengths may need and still reach the bar.
            let reach = ((1.0 - SUGGEST_AT) * len.max(k.len) as f64).floor() as usize;
            if len.abs_diff(k.len) > reach || bag_distance(&probe_bag, &k.bag) > reach {
                continue;
            }
            let score = strsim::normalized_damerau_levenshtein(probe, &k.key);
            if score >= SUGGEST_AT
                && best.is_none_or(|(b, bt)| score > b || (score == b && k.tool < bt))
            {
                best = Some((score, k.tool));
            }
        }
    }
    best.map(|(_, t)| t)
}

/// Every key of every catalogue tool's name, id and aliases (exact and stripped), once each,
/// for [`suggest`].
fn suggestion_keys(catalogue: &Catalogue) -> Vec<Candidate> {
    let mut keys: Vec<(String, ToolId)> = Vec::new();
    for (i, t) in catalogue.tools.iter().enumerate() {
        let Ok(tool) = ToolId::try_from(i) else { break };
        keys.push((super::key(&t.id), tool));
        let v = Variants::of(&t.name);
        for level in [Level::Exact, Level::Vendor] {
            keys.push((v.at(level).to_string(), tool));
        }
        keys.extend(t.aliases.iter().map(|a| (super::key(a), tool)));
    }
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(key, tool)| Candidate {
            len: key.chars().count(),
            bag: bag(&key),
            key,
            tool,
        })
        .collect()
}

fn index(catalogue: &Catalogue) -> NameIndex {
    let mut names = NameIndex::default();
    for (i, t) in catalogue.tools.iter().enumerate() {
        if let Ok(id) = ToolId::try_from(i) {
            names.add(
                id,
                &t.id,
                Variants::of(&t.name),
                t.aliases.iter().map(String::as_str),
            );
        }
    }
    names
}

impl Register {
    /// Joins every row to a catalogue tool — by tool id, else by name (exact, else
    /// normalized), else by one of its domains — adds the rows' domains as patterns, and
    /// creates a tool for rows that match nothing but name domains of their own (an internal
    /// LLM gateway). The rest are listed in [`Register::unmatched`]. Returns the register row
    /// of each tool (`None`: not registered, tier 4).
    pub fn join(
        &mut self,
        catalogue: &mut Catalogue,
        psl: &List,
    ) -> anyhow::Result<Vec<Option<usize>>> {
        let file = self.path.display().to_string();
        let mut names = index(catalogue);
        let mut unmatched = Vec::new();
        for (i, e) in self.entries.iter_mut().enumerate() {
            let by_id =
                e.id.as_deref()
                    .and_then(|id| catalogue.tool_by_id(&id.to_ascii_lowercase()));
            // A row with only an id is looked up by name too: id columns hold names as often.
            let variants = match (by_id, e.name.as_deref().or(e.id.as_deref())) {
                (None, Some(name)) => Some(Variants::of(name)),
                _ => None,
            };
            let found = variants.as_ref().map_or(Found::None, |v| names.find(v));
            let by_name = match &found {
                Found::One(t, Via::Name) => Some((*t, Joined::Name)),
                Found::One(t, Via::Alias) => Some((*t, Joined::Alias)),
                _ => None,
            };
            let by_domain = || {
                e.domains.iter().find_map(|d| {
                    catalogue
                        .find_host(d.as_bytes())
                        .map(|p| (p.tool, Joined::Domain))
                })
            };
            let (tool, joined) = match by_id
                .map(|t| (t, Joined::Id))
                .or(by_name)
                .or_else(by_domain)
            {
                Some(j) => j,
                None if !e.domains.is_empty() => {
                    let label = e.name.clone().or_else(|| e.id.clone()).unwrap_or_default();
                    let id =
                        e.id.clone()
                            .map(|i| i.to_ascii_lowercase())
                            .unwrap_or_else(|| slug(&label));
                    let vendor = e.vendor.clone().unwrap_or_else(|| "in-house".to_string());
                    let t = catalogue
                        .add_local_tool(&id, &label, &vendor, &file)
                        .map_err(|m| error(&self.path, e.line, m))?;
                    let name = variants.unwrap_or_else(|| Variants::of(&label));
                    names.add(t, &id, name, []);
                    (t, Joined::InHouse)
                }
                None => {
                    unmatched.push((i, found));
                    continue;
                }
            };
            catalogue
                .add_patterns(tool, &e.domains, psl)
                .map_err(|m| error(&self.path, e.line, m))?;
            e.tool = Some(tool);
            e.joined = Some(joined);
        }
        self.unmatched = self.explain(unmatched, catalogue);
        let mut rows = vec![None; catalogue.tools.len()];
        for (i, e) in self.entries.iter().enumerate() {
            let Some(t) = e.tool else { continue };
            if let Some(prev) = rows[t as usize] {
                let prev: &Entry = &self.entries[prev];
                return Err(error(
                    &self.path,
                    e.line,
                    format!(
                        "`{}` is already registered at line {}",
                        catalogue.tools[t as usize].name, prev.line
                    ),
                ));
            }
            rows[t as usize] = Some(i);
        }
        Ok(rows)
    }

    /// The unmatched rows with the tools they may mean: every tool an ambiguous name fits, or
    /// the catalogue tool whose name is closest. Suggestions are computed here only, for the
    /// unmatched rows, and only among the catalogue's own tools.
    fn explain(&self, rows: Vec<(usize, Found)>, catalogue: &Catalogue) -> Vec<Unmatched> {
        if rows.is_empty() {
            return Vec::new();
        }
        let keys = suggestion_keys(catalogue);
        let tool = |t: ToolId| {
            let t = &catalogue.tools[t as usize];
            Suggestion {
                id: t.id.clone(),
                name: t.name.clone(),
            }
        };
        rows.into_iter()
            .map(|(i, found)| {
                let e = &self.entries[i];
                let name = e.name.clone().or_else(|| e.id.clone()).unwrap_or_default();
                let (suggestions, ambiguous) = match found {
                    Found::Several(tools) => (tools.into_iter().map(tool).collect(), true),
                    _ => (suggest(&name, &keys).into_iter().map(tool).collect(), false),
                };
                Unmatched {
                    entry: i,
                    line: e.line,
                    name,
                    suggestions,
                    ambiguous,
                }
            })
            .collect()
    }

    /// Prints a warning naming file and line for every unmatched row, on stderr.
    pub fn warn_unmatched(&self) {
        for u in &self.unmatched {
            eprintln!(
                "shadowai: {}:{}: {}",
                self.path.display(),
                u.line,
                u.message()
            );
        }
    }
}

/// A tool id from a name: lowercase letters and digits, other runs as `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn join_by_id_name_and_domain_and_in_house_tools() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let text = "Tool ID,Tool,Tier,Domains\n,Claude,1,\nx,Whatever,2,gemini.google.com\ncorp-gw,Corp LLM Gateway,1,\"llm.corp.example, *.genai.corp.example\"\nchatgpt,,3,\n,Nothing Known,2,\n";
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        let tier_of = |id: &str| {
            let row = rows[c.tool_by_id(id).unwrap() as usize];
            row.map(|i| r.entries[i].tier.number())
        };
        assert_eq!(tier_of("claude"), Some(1));
        assert_eq!(tier_of("gemini"), Some(2));
        assert_eq!(tier_of("chatgpt"), Some(3));
        assert_eq!(tier_of("corp-gw"), Some(1));
        assert_eq!(tier_of("perplexity"), None);
        let gw = c
            .find_host(b"eu.genai.corp.example")
            .map(|p| c.tools[p.tool as usize].id.as_str());
        assert_eq!(gw, Some("corp-gw"));
        assert_eq!(
            r.entries[4].tool, None,
            "a row matching nothing stays unjoined"
        );
    }

    /// Issue 20, item 2: the editions and vendor-prefixed names registers write for ChatGPT
    /// join it, each as the only row of a register, through the whole join.
    #[test]
    fn issue_20_chatgpt_editions_join_chatgpt() {
        let psl = crate::discovery::load_psl(None).unwrap();
        for name in ["ChatGPT Team", "ChatGPT Enterprise", "OpenAI ChatGPT"] {
            let mut c = Catalogue::embedded(&psl).unwrap();
            let text = format!("Tool,Tier\n{name},1\n");
            let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
            let rows = r.join(&mut c, &psl).unwrap();
            let chatgpt = c.tool_by_id("chatgpt").unwrap() as usize;
            assert_eq!(rows[chatgpt], Some(0), "{name}");
            assert_eq!(r.entries[0].tool, Some(chatgpt as ToolId), "{name}");
        }
    }

    /// The bag distance never exceeds the edit distance, so the bound skips only what
    /// `strsim` would have scored too low.
    #[test]
    fn the_bag_distance_bounds_the_edit_distance() {
        let words = [
            "chatgpt",
            "chatgtp",
            "gpt",
            "claude",
            "claud",
            "",
            "copilot",
            "copliot",
            "m365copilot",
            "a1b2",
            "ärzte",
            "zzzzzz",
            "abcabc",
        ];
        for a in words {
            for b in words {
                let d = strsim::damerau_levenshtein(a, b);
                assert!(bag_distance(&bag(a), &bag(b)) <= d, "{a} {b}");
            }
        }
        assert_eq!(bag_distance(&bag("chatgtp"), &bag("chatgpt")), 0);
        assert_eq!(bag_distance(&bag("ab"), &bag("abcd")), 2);
    }

    /// Issue 17, case 1: the names registers write find the tool they mean in the shipped
    /// catalogue, through its aliases or the normalizer.
    #[test]
    fn the_names_registers_write_find_their_tools() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let c = Catalogue::embedded(&psl).unwrap();
        let names = index(&c);
        for (name, want, via) in [
            ("ChatGPT Team", "chatgpt", Via::Alias),
            ("ChatGPT Enterprise", "chatgpt", Via::Alias),
            ("OpenAI ChatGPT", "chatgpt", Via::Alias),
            ("OpenAI ChatGPT Business (EU)", "chatgpt", Via::Alias),
            ("Claude.ai", "claude", Via::Alias),
            ("Anthropic Claude Team", "claude", Via::Alias),
            ("claude for enterprise", "claude", Via::Name),
            ("GitHub Copilot Business", "github-copilot", Via::Alias),
            ("GitHub Copilot for Business", "github-copilot", Via::Name),
            (
                "Copilot for Microsoft 365",
                "microsoft-365-copilot",
                Via::Alias,
            ),
            ("M365 Copilot", "microsoft-365-copilot", Via::Alias),
            (
                "Microsoft Copilot for Microsoft 365",
                "microsoft-365-copilot",
                Via::Alias,
            ),
            (
                "Microsoft 365 Copilot Business",
                "microsoft-365-copilot",
                Via::Name,
            ),
            ("Microsoft Copilot", "microsoft-copilot", Via::Name),
            ("Bing Chat", "microsoft-copilot", Via::Alias),
            ("Google Gemini", "gemini", Via::Alias),
            ("Gemini Advanced", "gemini", Via::Alias),
            ("Gemini for Google Workspace", "gemini", Via::Alias),
            ("Bard", "gemini", Via::Alias),
            ("Gemini", "gemini", Via::Name),
            ("Gemini Code Assist", "gemini-code-assist", Via::Name),
            ("Perplexity AI", "perplexity", Via::Alias),
            ("Perplexity Enterprise Pro", "perplexity", Via::Alias),
            ("Cursor Business", "cursor", Via::Name),
            ("Midjourney", "midjourney", Via::Name),
            ("DeepL Pro", "deepl", Via::Alias),
            ("Otter.ai Business", "otter", Via::Name),
            ("Fireflies", "fireflies", Via::Name),
            ("Jasper AI", "jasper", Via::Name),
            ("Copy.ai", "copy-ai", Via::Name),
            ("Mistral Le Chat", "le-chat", Via::Alias),
            ("Le Chat Pro", "le-chat", Via::Name),
            ("Poe", "poe", Via::Name),
            ("Character.AI", "character-ai", Via::Name),
            ("Runway ML", "runway", Via::Alias),
            ("ElevenLabs", "elevenlabs", Via::Name),
            ("Synthesia", "synthesia", Via::Name),
            ("Azure OpenAI Service", "azure-openai", Via::Alias),
            ("OpenAI API", "openai-api", Via::Name),
            ("Claude API", "anthropic-api", Via::Alias),
            ("AWS Bedrock", "aws-bedrock", Via::Name),
        ] {
            let got = match names.find(&Variants::of(name)) {
                Found::One(t, how) => Some((c.tools[t as usize].id.as_str(), how)),
                _ => None,
            };
            assert_eq!(got, Some((want, via)), "{name}");
        }
        for ambiguous in ["Copilot", "Copilot Business"] {
            let Found::Several(tools) = names.find(&Variants::of(ambiguous)) else {
                panic!("{ambiguous} is ambiguous")
            };
            let ids: Vec<&str> = tools
                .iter()
                .map(|t| c.tools[*t as usize].id.as_str())
                .collect();
            assert_eq!(ids, ["microsoft-copilot", "github-copilot"], "{ambiguous}");
        }
    }

    /// Issue 17, case 1: a row that joins nothing is unmatched — not registered, no in-house
    /// tool — and says which tool it probably means; an ambiguous name names every tool.
    #[test]
    fn unmatched_rows_are_explained_and_join_nothing() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let tools = c.tools.len();
        let text = "Tool ID,Tool,Tier,Domains\n,ChatGTP,1,\n,Copilot,2,\n,Salesforce Einstein,2,\nclaud,,2,\n,Corp Bot,1,bot.corp.example\n,Claude.ai,2,\n";
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        assert_eq!(
            c.tools.len(),
            tools + 1,
            "only the row with domains is a tool"
        );
        let joined: Vec<Option<Joined>> = r.entries.iter().map(|e| e.joined).collect();
        assert_eq!(
            joined,
            [
                None,
                None,
                None,
                None,
                Some(Joined::InHouse),
                Some(Joined::Alias)
            ]
        );
        assert!(
            rows.iter().flatten().all(|&i| i >= 4),
            "unmatched rows register nothing"
        );
        let explained: Vec<(usize, &str, Vec<&str>, bool)> = r
            .unmatched
            .iter()
            .map(|u| {
                let ids = u.suggestions.iter().map(|s| s.id.as_str()).collect();
                (u.line, u.name.as_str(), ids, u.ambiguous)
            })
            .collect();
        assert_eq!(
            explained,
            [
                (2, "ChatGTP", vec!["chatgpt"], false),
                (
                    3,
                    "Copilot",
                    vec!["microsoft-copilot", "github-copilot"],
                    true
                ),
                (4, "Salesforce Einstein", vec![], false),
                (5, "claud", vec!["claude"], false),
            ]
        );
        assert_eq!(
            r.unmatched[0].message(),
            "register row \"ChatGTP\" matches no catalogue tool; did you mean \"ChatGPT\" (id chatgpt)?"
        );
        assert_eq!(
            r.unmatched[1].message(),
            "register row \"Copilot\" fits more than one catalogue tool; did you mean \"Microsoft Copilot\" (id microsoft-copilot) or \"GitHub Copilot\" (id github-copilot)?"
        );
        assert!(
            r.unmatched[2]
                .message()
                .ends_with("give its tool id (`shadowai signatures list`) or its domains")
        );
        let hostile = Unmatched {
            name: format!("Evil\"\u{1b}[2J{}", "x".repeat(500)),
            ..r.unmatched[2].clone()
        };
        let shown = hostile.message();
        assert!(
            shown.starts_with("register row \"Evil\\\"\\u{1b}[2Jxxx"),
            "{shown}"
        );
        assert!(
            shown.contains("xxx…\" matches no catalogue tool"),
            "{shown}"
        );
        assert!(shown.len() < 250, "{shown}");
    }

    #[test]
    fn a_tool_registered_twice_or_a_stolen_domain_is_an_error() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r =
            Register::parse(Path::new("r.csv"), b"Tool,Tier\nChatGPT,1\nchatgpt,2\n").unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(
            err.contains("r.csv:3") && err.contains("already registered at line 2"),
            "{err}"
        );
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r = Register::parse(
            Path::new("r.csv"),
            b"Tool,Tier,Domains\nClaude,1,chatgpt.com\n",
        )
        .unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(err.contains("belongs to `chatgpt`"), "{err}");
    }

    /// A name that is one tool's name and another's id joins the first tool in catalogue
    /// order, as a search through the catalogue would; an id column still finds by id.
    #[test]
    fn a_name_shared_by_two_tools_joins_the_first() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::empty();
        let toml = "[[tool]]\nid = \"alpha\"\nname = \"Beta\"\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"alpha.example\"]\n\n[[tool]]\nid = \"beta\"\nname = \"Gamma\"\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"beta.example\"]\n";
        c.add_source("t.toml", toml, &psl).unwrap();
        let text = "Tool ID,Tool,Tier\n,B-E-T-A,1\nbeta,,2\n";
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        r.join(&mut c, &psl).unwrap();
        let joined: Vec<Option<ToolId>> = r.entries.iter().map(|e| e.tool).collect();
        assert_eq!(joined, vec![Some(0), Some(1)]);
    }

    /// Issue 23, case 10: a register of thousands of rows, as large organizations keep, joins
    /// exactly as a small one: catalogue tools by name and id, in-house tools made from their
    /// domains, every domain matching its row's tool, and a repeated name caught at its line.
    #[test]
    fn a_register_of_thousands_of_rows_joins_every_row() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let catalogue_tools = c.tools.len();
        let known: Vec<(String, String)> = c
            .tools
            .iter()
            .take(100)
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect();
        let mut text = String::from("Tool ID,Tool,Tier,Assessment Date,Owner,Domains\n");
        for (i, (id, name)) in known.iter().enumerate() {
            if i % 2 == 0 {
                text.push_str(&format!(",{name},1,2026-01-01,IT,\n"));
            } else {
                text.push_str(&format!("{},,2,,IT,\n", id.to_uppercase()));
            }
        }
        for i in 0..4_900 {
            text.push_str(&format!(
                ",In-house Tool {i},3,2026-02-01,Team,\"tool{i}.corp.example, *.api{i}.corp.example\"\n"
            ));
        }
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        assert_eq!(c.tools.len(), catalogue_tools + 4_900);
        for (i, (id, _)) in known.iter().enumerate() {
            let t = c.tool_by_id(id).unwrap();
            assert_eq!(r.entries[i].tool, Some(t), "row {i} ({id})");
            assert_eq!(rows[t as usize], Some(i));
        }
        for i in 0..4_900 {
            let row = known.len() + i;
            let t = c.tool_by_id(&format!("in-house-tool-{i}")).unwrap();
            assert_eq!(r.entries[row].tool, Some(t));
            assert_eq!(rows[t as usize], Some(row));
            assert_eq!(c.tools[t as usize].name, format!("In-house Tool {i}"));
            for host in [
                format!("tool{i}.corp.example"),
                format!("eu.api{i}.corp.example"),
            ] {
                assert_eq!(
                    c.find_host(host.as_bytes()).map(|p| p.tool),
                    Some(t),
                    "{host}"
                );
            }
        }
        text.push_str(",in house tool 4321,4,,,\n");
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(
            err.starts_with("r.csv:5002:") && err.contains("already registered at line 4423"),
            "{err}"
        );
    }
}
