//! The AI-service signature catalogue: `signatures/*.toml` compiled into the binary, plus any
//! `--signatures FILE` of the user's, checked and compiled into one [`Matcher`].
//!
//! The file format is documented in `signatures/README.md`. Loading validates everything a
//! reviewer would: syntax, known categories, hostname syntax, no public suffix, no shared
//! non-AI domain, no id or pattern claimed twice. Every error names file and line.
#![deny(missing_docs)]

pub mod facts;
pub mod matcher;
pub mod paths;
pub mod pattern;
pub mod tiering;

use std::collections::HashMap;

use publicsuffix::{List, Psl, Type};
use serde::Deserialize;
use toml::Spanned;

use crate::hash::{FNV1A_START, fnv1a, hex};
use crate::register::key;
pub use facts::{Certifications, Enterprise, Fact, Lifecycle, Risk, Status, Training};
use matcher::{Matcher, PatternId};
pub use paths::PathRules;
pub use pattern::{Evidence, Pattern, Role, Shape};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_signatures.rs"));
}

/// The fixed category vocabulary (documented in `signatures/README.md`).
pub const CATEGORIES: &[&str] = &[
    "chat-assistant",
    "coding-assistant",
    "image-generation",
    "video-generation",
    "audio-voice",
    "music-generation",
    "meeting-assistant",
    "writing-assistant",
    "search-research",
    "document-assistant",
    "translation",
    "presentation-design",
    "productivity",
    "model-api",
    "inference-cloud",
    "model-hub",
    "agent-builder",
    "companion",
    "education",
    "ai-browser",
    "llmops",
    "internal",
];

/// Domains used by many non-AI products. A pattern equal to one of these would accuse
/// everyone who reads mail or a web page of using AI, so the loader refuses it; a more
/// specific host below it (`copilot.microsoft.com`) is fine.
const SHARED_DOMAINS: &[&str] = &[
    "akamaihd.net",
    "akamaized.net",
    "amazonaws.com",
    "apple.com",
    "azure.com",
    "azureedge.net",
    "bing.com",
    "cloudflare.com",
    "cloudflare.net",
    "cloudfront.net",
    "discord.com",
    "discord.gg",
    "dropbox.com",
    "facebook.com",
    "fastly.net",
    "github.com",
    "githubusercontent.com",
    "google.com",
    "googleapis.com",
    "googleusercontent.com",
    "gstatic.com",
    "instagram.com",
    "live.com",
    "microsoft.com",
    "microsoftonline.com",
    "office.com",
    "office.net",
    "slack.com",
    "twitter.com",
    "windows.net",
    "x.com",
    "youtube.com",
    "zoom.us",
];

/// Index of a tool in [`Catalogue::tools`].
pub type ToolId = u32;

/// First labels of a vendor's web pages: `docs.vendor.example` right below a suffix pattern
/// `vendor.example` is the vendor's documentation, not its product, whatever the pattern's
/// role. Every vendor has such hosts and the catalogue cannot list them all; a pattern that
/// names the host itself (`help.example.com` as `app`) still wins, being more specific.
pub const VENDOR_WEB_LABELS: &[&str] = &[
    "blog",
    "careers",
    "changelog",
    "community",
    "docs",
    "forum",
    "help",
    "status",
    "support",
    "trust",
];

/// Whether `host` is a vendor web label ([`VENDOR_WEB_LABELS`]) followed by `.` and `under`.
fn is_vendor_web(host: &[u8], under: &str) -> bool {
    host.len() > under.len() + 1
        && host.ends_with(under.as_bytes())
        && host[host.len() - under.len() - 1] == b'.'
        && VENDOR_WEB_LABELS
            .iter()
            .any(|l| l.as_bytes() == &host[..host.len() - under.len() - 1])
}

/// A host the catalogue knows: the pattern that matched and the role the host plays.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    /// The most specific pattern matching the host.
    pub pattern: &'a Pattern,
    /// The pattern's role, or `docs` for a vendor web page below it.
    pub role: Role,
}

/// One AI service.
#[derive(Clone, Debug)]
pub struct Tool {
    /// Stable slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Company behind it.
    pub vendor: String,
    /// One of [`CATEGORIES`].
    pub category: String,
    /// Whom it is sold to, where the catalogue knows.
    pub offering: Option<Offering>,
    /// Desktop executables, lowercase.
    pub exe: Vec<String>,
    /// Other names registers give the tool ("ChatGPT Enterprise", "Bard"), as written: the
    /// register join finds the tool by any of them.
    pub aliases: Vec<String>,
    /// URL path rules that correct the evidence of its hosts (`path_use`, `path_incidental`).
    pub paths: PathRules,
    /// A vendor page showing the hosts are the vendor's (an http(s) URL): the evidence a
    /// reviewer checks before trusting a match. Every shipped tool has one.
    pub source: Option<String>,
    /// Active, discontinued or renamed: a discontinued tool still matches (archives are old)
    /// but the outputs say so.
    pub lifecycle: Lifecycle,
    /// The facts that decide a policy tier, each with its source.
    pub risk: Risk,
}

/// The column names of [`Tool::risk_cells`], as `signatures list/export` and
/// `register-candidates.csv` append them.
pub const RISK_COLUMNS: [&str; 5] = [
    "trains_on_inputs",
    "enterprise_offering",
    "vendor_country",
    "certifications",
    "suggested_tier",
];

impl Tool {
    /// The risk facts and the suggested tier as output cells ([`RISK_COLUMNS`]): a fact the
    /// catalogue does not record is an empty cell, which is not the same as `unknown` (checked,
    /// and the vendor does not say).
    pub fn risk_cells(&self) -> [String; 5] {
        let r = &self.risk;
        [
            r.trains_on_inputs
                .as_ref()
                .map(|f| f.value.as_str().to_string()),
            r.enterprise_offering
                .as_ref()
                .map(|f| f.value.as_str().to_string()),
            r.vendor_country.as_ref().map(|f| f.value.clone()),
            r.certifications.as_ref().map(|f| f.value.cell()),
            Some(tiering::suggested_tier(self)),
        ]
        .map(Option::unwrap_or_default)
    }
}

/// Whom a tool is sold to: the consumer product of a vendor whose enterprise product is
/// approved is a finding of its own (`consumer-when-enterprise`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offering {
    /// `consumer`: personal accounts.
    Consumer,
    /// `enterprise`: organisation accounts under a company contract.
    Enterprise,
    /// `both`: one product for either.
    Both,
}

impl Offering {
    /// The offering named `s` in a signature file.
    pub fn parse(s: &str) -> Option<Offering> {
        [Offering::Consumer, Offering::Enterprise, Offering::Both]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    /// The name in signature files and in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Offering::Consumer => "consumer",
            Offering::Enterprise => "enterprise",
            Offering::Both => "both",
        }
    }
}

/// A catalogue problem, located.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {msg}")]
pub struct SignatureError {
    /// File name or path.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub msg: String,
}

/// Where a tool id was defined, for the "already defined" message.
#[derive(Clone, Debug)]
struct Defined {
    tool: ToolId,
    file: String,
    line: usize,
    /// Defined by the shipped catalogue: a user's file may replace it.
    shipped: bool,
}

/// A `successor` reference, checked once every file is loaded (it may name a tool of a later
/// file).
#[derive(Clone, Debug)]
struct SuccessorRef {
    tool: ToolId,
    file: String,
    line: usize,
}

/// The compiled catalogue.
pub struct Catalogue {
    /// Every tool, in load order.
    pub tools: Vec<Tool>,
    /// Every pattern; [`PatternId`] indexes this.
    pub patterns: Vec<Pattern>,
    matcher: Matcher,
    exe: HashMap<Box<[u8]>, ToolId>,
    /// Every tool by id, with where it was defined: [`Catalogue::tool_by_id`] is a hash probe,
    /// because the register looks up one id per row and may add tens of thousands of tools.
    ids: HashMap<String, Defined>,
    /// Every tool's name and id as register names are compared ([`crate::register::key`]):
    /// an alias may not be another tool's name or id.
    name_keys: HashMap<String, ToolId>,
    /// Every alias, compared the same way: an alias names one tool only.
    alias_keys: HashMap<String, ToolId>,
    /// Every `successor`, where it was written, for [`Catalogue::check_successors`].
    successors: Vec<SuccessorRef>,
    /// Shipped tools the file being added replaces: their slots, emptied of patterns,
    /// executables and names, waiting for the user's entry of the same id.
    vacant: Vec<ToolId>,
    /// Files loaded, in order.
    pub files: Vec<String>,
    /// A short fingerprint of the catalogue contents, for reports.
    pub version: String,
    digest: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    #[serde(default)]
    tool: Vec<ToolDoc>,
}

/// A signature file parsed from TOML, not yet added to a catalogue (adding needs the public
/// suffix list).
pub struct SignatureFile<'a> {
    file: String,
    text: &'a str,
    doc: Doc,
}

impl<'a> SignatureFile<'a> {
    /// Parses `text`, the contents of `file`; a syntax error is located at its line.
    fn parse(file: &str, text: &'a str) -> Result<Self, Vec<SignatureError>> {
        let doc: Doc = toml::from_str(text).map_err(|e| {
            vec![SignatureError {
                file: file.to_string(),
                line: e.span().map_or(1, |s| LineIndex::new(text).line(s.start)),
                msg: e.message().to_string(),
            }]
        })?;
        Ok(SignatureFile {
            file: file.to_string(),
            text,
            doc,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolDoc {
    id: Spanned<String>,
    name: String,
    vendor: String,
    category: Spanned<String>,
    #[serde(default)]
    offering: Option<Spanned<String>>,
    #[serde(default)]
    exe: Vec<String>,
    #[serde(default)]
    aliases: Vec<Spanned<String>>,
    #[serde(default)]
    app: Vec<Spanned<String>>,
    #[serde(default)]
    api: Vec<Spanned<String>>,
    #[serde(default)]
    assets: Vec<Spanned<String>>,
    #[serde(default)]
    upload: Vec<Spanned<String>>,
    #[serde(default)]
    telemetry: Vec<Spanned<String>>,
    #[serde(default)]
    #[allow(dead_code)]
    notes: Option<String>,
    #[serde(default)]
    embed: Vec<Spanned<String>>,
    #[serde(default)]
    share: Vec<Spanned<String>>,
    #[serde(default)]
    docs: Vec<Spanned<String>>,
    #[serde(default)]
    media: Vec<Spanned<String>>,
    #[serde(default)]
    site: Vec<Spanned<String>>,
    #[serde(default)]
    path_use: Vec<Spanned<String>>,
    #[serde(default)]
    path_incidental: Vec<Spanned<String>>,
    #[serde(default)]
    source: Option<Spanned<String>>,
    #[serde(default)]
    status: Option<Spanned<String>>,
    #[serde(default)]
    status_date: Option<Spanned<String>>,
    #[serde(default)]
    successor: Option<Spanned<String>>,
    #[serde(default)]
    risk: Option<facts::RiskDoc>,
}

/// Line numbers of byte offsets in one signature file.
///
/// # Performance
/// Built once per file: counting newlines from the start for every span made loading the
/// 1,000-tool catalogue quadratic, 70 % of a small scan's time.
struct LineIndex(Vec<usize>);

impl LineIndex {
    fn new(text: &str) -> Self {
        LineIndex(memchr::memchr_iter(b'\n', text.as_bytes()).collect())
    }

    /// The 1-based line holding byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&nl| nl < offset) + 1
    }
}

impl Catalogue {
    /// An empty catalogue.
    pub fn empty() -> Self {
        Catalogue {
            tools: Vec::new(),
            patterns: Vec::new(),
            matcher: Matcher::default(),
            exe: HashMap::new(),
            ids: HashMap::new(),
            name_keys: HashMap::new(),
            alias_keys: HashMap::new(),
            successors: Vec::new(),
            vacant: Vec::new(),
            files: Vec::new(),
            version: String::new(),
            digest: FNV1A_START,
        }
    }

    /// The catalogue compiled into the binary.
    pub fn embedded(psl: &List) -> Result<Self, Vec<SignatureError>> {
        Self::from_embedded(Self::parse_embedded()?, psl)
    }

    /// The files of the catalogue compiled into the binary, parsed: the part of loading that
    /// needs no public suffix list, so that it can run while the list loads.
    pub fn parse_embedded() -> Result<Vec<SignatureFile<'static>>, Vec<SignatureError>> {
        embedded::EMBEDDED
            .iter()
            .map(|(name, text)| SignatureFile::parse(&format!("signatures/{name}"), text))
            .collect()
    }

    /// The catalogue of the embedded files [`Catalogue::parse_embedded`] parsed.
    pub fn from_embedded(
        files: Vec<SignatureFile<'_>>,
        psl: &List,
    ) -> Result<Self, Vec<SignatureError>> {
        let mut c = Catalogue::empty();
        for f in files {
            c.add_parsed(f, psl, true)?;
        }
        c.check_successors()?;
        Ok(c)
    }

    /// Checks that every `successor` names a loaded tool. Call it once every file is added:
    /// a successor may be defined in a later file than the tool it replaces.
    pub fn check_successors(&self) -> Result<(), Vec<SignatureError>> {
        let errors: Vec<SignatureError> = self
            .successors
            .iter()
            .filter_map(|r| {
                let t = &self.tools[r.tool as usize];
                let successor = t.lifecycle.successor.as_deref()?;
                (!self.ids.contains_key(successor)).then(|| SignatureError {
                    file: r.file.clone(),
                    line: r.line,
                    msg: format!("successor `{successor}` of `{}` is no tool id", t.id),
                })
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The tools of the files `of` names that have no `source`, each located at its id: the
    /// shipped catalogue requires one (no host without evidence), a user's file is told.
    pub fn without_source(&self, of: &dyn Fn(&str) -> bool) -> Vec<SignatureError> {
        self.tools
            .iter()
            .filter(|t| t.source.is_none())
            .filter_map(|t| {
                let d = self.ids.get(&t.id).filter(|d| of(&d.file))?;
                Some(SignatureError {
                    file: d.file.clone(),
                    line: d.line,
                    msg: format!("tool `{}` has no source", t.id),
                })
            })
            .collect()
    }

    /// Adds one signature file of the user's. An entry with the id of a shipped tool replaces
    /// that tool whole (docs/catalogue.md, "Adding or overriding an entry"): the user knows
    /// their environment, and a partial merge of two entries would be hard to predict. On error
    /// nothing of this file is kept, and every problem found in it is returned.
    pub fn add_source(
        &mut self,
        file: &str,
        text: &str,
        psl: &List,
    ) -> Result<(), Vec<SignatureError>> {
        self.add_file(file, text, psl, false)
    }

    /// Adds one signature file, shipped or the user's.
    fn add_file(
        &mut self,
        file: &str,
        text: &str,
        psl: &List,
        shipped: bool,
    ) -> Result<(), Vec<SignatureError>> {
        self.add_parsed(SignatureFile::parse(file, text)?, psl, shipped)
    }

    /// Adds one parsed signature file. A shipped file is added in place: an error in it is
    /// the binary's, and no catalogue is left to keep. A user's file is added to a copy, kept
    /// only if the whole file is good.
    fn add_parsed(
        &mut self,
        parsed: SignatureFile<'_>,
        psl: &List,
        shipped: bool,
    ) -> Result<(), Vec<SignatureError>> {
        if shipped {
            return self.add_tools(parsed, psl, true);
        }
        let mut staged = Catalogue {
            tools: self.tools.clone(),
            patterns: self.patterns.clone(),
            matcher: Matcher::default(),
            exe: self.exe.clone(),
            ids: self.ids.clone(),
            name_keys: self.name_keys.clone(),
            alias_keys: self.alias_keys.clone(),
            successors: self.successors.clone(),
            vacant: Vec::new(),
            files: self.files.clone(),
            version: String::new(),
            digest: self.digest,
        };
        for t in &parsed.doc.tool {
            let shipped_tool = staged
                .ids
                .get(t.id.get_ref())
                .filter(|d| d.shipped)
                .map(|d| d.tool);
            if let Some(tool) = shipped_tool.filter(|t| !staged.vacant.contains(t)) {
                staged.vacate(tool);
            }
        }
        // Rebuild the matcher from the kept patterns: cheap (a few thousand inserts) and it
        // keeps a failed file from leaving half its patterns behind.
        for (i, p) in staged.patterns.iter().enumerate() {
            staged.matcher.insert(p, i as PatternId);
        }
        staged.add_tools(parsed, psl, false)?;
        *self = staged;
        Ok(())
    }

    /// Adds the tools of one parsed file and records the file; every problem found in it is
    /// returned.
    fn add_tools(
        &mut self,
        parsed: SignatureFile<'_>,
        psl: &List,
        shipped: bool,
    ) -> Result<(), Vec<SignatureError>> {
        let SignatureFile { file, text, doc } = parsed;
        let mut errors = Vec::new();
        let lines = LineIndex::new(text);
        for t in doc.tool {
            self.add_tool(t, (&file, shipped), &lines, psl, &mut errors);
        }
        self.vacant.clear();
        if !errors.is_empty() {
            return Err(errors);
        }
        self.files.push(file);
        self.digest = fnv1a(self.digest, text.as_bytes());
        self.version = format!("{}-{:08x}", env!("CARGO_PKG_VERSION"), self.digest as u32);
        Ok(())
    }

    /// Empties the slot of a shipped tool a user's entry replaces: its patterns, executables,
    /// names, aliases and successor reference go; its id stays, for the replacement.
    fn vacate(&mut self, tool: ToolId) {
        self.patterns.retain(|p| p.tool != tool);
        self.exe.retain(|_, t| *t != tool);
        self.name_keys.retain(|_, t| *t != tool);
        self.alias_keys.retain(|_, t| *t != tool);
        self.successors.retain(|r| r.tool != tool);
        self.vacant.push(tool);
    }

    fn add_tool(
        &mut self,
        t: ToolDoc,
        (file, shipped): (&str, bool),
        lines: &LineIndex,
        psl: &List,
        errors: &mut Vec<SignatureError>,
    ) {
        let at = |span: std::ops::Range<usize>| lines.line(span.start);
        let line = at(t.id.span());
        let mut err = |line: usize, msg: String| {
            errors.push(SignatureError {
                file: file.to_string(),
                line,
                msg,
            });
        };
        let id = t.id.into_inner();
        if id.is_empty()
            || !id
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        {
            err(
                line,
                format!("tool id `{id}` must be lowercase letters, digits and `-`"),
            );
        }
        let replaces = match self.ids.get(&id) {
            Some(d) if self.vacant.contains(&d.tool) => Some(d.tool),
            Some(d) => {
                err(
                    line,
                    format!("tool id `{id}` already defined at {}:{}", d.file, d.line),
                );
                return;
            }
            None => None,
        };
        self.vacant.retain(|&v| Some(v) != replaces);
        if t.name.trim().is_empty() || t.vendor.trim().is_empty() {
            err(line, format!("tool `{id}` needs a name and a vendor"));
        }
        let cat_line = at(t.category.span());
        let category = t.category.into_inner();
        if !CATEGORIES.contains(&category.as_str()) {
            err(
                cat_line,
                format!("unknown category `{category}` (see signatures/README.md)"),
            );
        }
        let offering = t.offering.and_then(|o| {
            let l = at(o.span());
            let o = o.into_inner();
            let parsed = Offering::parse(&o);
            if parsed.is_none() {
                err(
                    l,
                    format!("offering `{o}` must be consumer, enterprise or both"),
                );
            }
            parsed
        });
        let tool = replaces.unwrap_or(self.tools.len() as ToolId);
        let roles = [
            (Role::App, t.app),
            (Role::Api, t.api),
            (Role::Assets, t.assets),
            (Role::Upload, t.upload),
            (Role::Telemetry, t.telemetry),
            (Role::Embed, t.embed),
            (Role::Share, t.share),
            (Role::Docs, t.docs),
            (Role::Media, t.media),
            (Role::Site, t.site),
        ];
        let mut count = 0;
        for (role, list) in roles {
            for p in list {
                count += 1;
                let pl = at(p.span());
                let text = p.into_inner();
                if let Err(msg) = check_pattern(&text, psl) {
                    err(pl, msg);
                    continue;
                }
                let pid = self.patterns.len() as PatternId;
                let pattern = Pattern::new(text, role, tool);
                if let Some(prev) = self.matcher.insert(&pattern, pid) {
                    let owner = &self.tools[self.patterns[prev as usize].tool as usize].id;
                    let owner = if self.patterns[prev as usize].tool == tool {
                        &id
                    } else {
                        owner
                    };
                    err(
                        pl,
                        format!("pattern `{}` is already claimed by `{owner}`", pattern.text),
                    );
                    continue;
                }
                self.patterns.push(pattern);
            }
        }
        let exe: Vec<String> = t.exe.iter().map(|e| e.to_ascii_lowercase()).collect();
        for e in &exe {
            if e.is_empty() || e.contains(['/', '\\']) {
                err(line, format!("exe `{e}` must be a file name"));
            } else if let Some(prev) = self.exe.insert(e.as_bytes().into(), tool) {
                let owner = self
                    .tools
                    .get(prev as usize)
                    .map_or(id.as_str(), |t| t.id.as_str());
                err(line, format!("exe `{e}` is already claimed by `{owner}`"));
            }
        }
        if count == 0 && exe.is_empty() {
            err(line, format!("tool `{id}` has no host pattern and no exe"));
        }
        let aliases = self.check_names(tool, (&id, &t.name, line), t.aliases, &at, &mut err);
        let source = facts::check_source(t.source, &at, &mut err);
        let (lifecycle, successor_line) = facts::check_lifecycle(
            (&id, line),
            t.status,
            t.status_date,
            t.successor,
            &at,
            &mut err,
        );
        let risk = facts::check_risk(t.risk, &at, &mut err);
        if let Some(line) = successor_line {
            self.successors.push(SuccessorRef {
                tool,
                file: file.to_string(),
                line,
            });
        }
        let mut rules: Vec<(String, Evidence)> = Vec::new();
        for (evidence, list) in [
            (Evidence::Use, t.path_use),
            (Evidence::Incidental, t.path_incidental),
        ] {
            for p in list {
                let pl = at(p.span());
                let text = p.into_inner();
                if let Err(msg) = paths::check_path(&text) {
                    err(pl, msg);
                } else if let Some((_, prev)) = rules.iter().find(|(r, _)| *r == text) {
                    err(
                        pl,
                        format!(
                            "path rule `{text}` is listed twice (already path_{})",
                            prev.as_str()
                        ),
                    );
                } else {
                    rules.push((text, evidence));
                }
            }
        }
        if !rules.is_empty() && count == 0 {
            err(
                line,
                format!(
                    "tool `{id}` has path rules but no host pattern whose paths they could judge"
                ),
            );
        }
        self.ids.insert(
            id.clone(),
            Defined {
                tool,
                file: file.to_string(),
                line,
                shipped,
            },
        );
        let entry = Tool {
            id,
            name: t.name,
            vendor: t.vendor,
            category,
            offering,
            exe,
            aliases,
            paths: PathRules::new(rules),
            source,
            lifecycle,
            risk,
        };
        match self.tools.get_mut(tool as usize) {
            Some(slot) => *slot = entry,
            None => self.tools.push(entry),
        }
    }

    /// Checks that the tool's aliases name it alone: no alias is another tool's name, id or
    /// alias once normalized as the register join compares names, and the tool's own name and
    /// id are no other tool's alias. Otherwise a register row could join the wrong tool, by
    /// file order. Records the keys and returns the aliases.
    fn check_names(
        &mut self,
        tool: ToolId,
        (id, name, line): (&str, &str, usize),
        aliases: Vec<Spanned<String>>,
        at: &dyn Fn(std::ops::Range<usize>) -> usize,
        err: &mut dyn FnMut(usize, String),
    ) -> Vec<String> {
        let id_of =
            |tools: &[Tool], t: ToolId| tools.get(t as usize).map_or(id, |t| &t.id).to_string();
        for own in [name, id] {
            let k = key(own);
            if let Some(&other) = self.alias_keys.get(&k).filter(|&&o| o != tool) {
                err(
                    line,
                    format!(
                        "`{own}` of tool `{id}` is an alias of `{}`",
                        id_of(&self.tools, other)
                    ),
                );
            }
            self.name_keys.entry(k).or_insert(tool);
        }
        let mut out = Vec::new();
        for alias in aliases {
            let alias_line = at(alias.span());
            let alias = alias.into_inner();
            let k = key(&alias);
            if k.is_empty() || alias.contains(';') {
                err(
                    alias_line,
                    format!("alias `{alias}` needs a letter or digit and no `;`"),
                );
                continue;
            }
            if k == key(id) || k == key(name) {
                err(
                    alias_line,
                    format!("alias `{alias}` of `{id}` is its own name or id"),
                );
                continue;
            }
            let taken = [
                (&self.name_keys, "the name or id"),
                (&self.alias_keys, "an alias"),
            ]
            .into_iter()
            .find_map(|(keys, what)| keys.get(&k).filter(|&&o| o != tool).map(|&o| (o, what)));
            if let Some((other, what)) = taken {
                err(
                    alias_line,
                    format!(
                        "alias `{alias}` of `{id}` is {what} of `{}`",
                        id_of(&self.tools, other)
                    ),
                );
                continue;
            }
            self.alias_keys.insert(k, tool);
            out.push(alias);
        }
        out
    }

    /// Adds host patterns to a tool, as the AI Tool Register's `Domains` column does. A
    /// pattern the tool already has is fine; one another tool claims is an error.
    pub fn add_patterns(
        &mut self,
        tool: ToolId,
        patterns: &[String],
        psl: &List,
    ) -> Result<(), String> {
        for text in patterns {
            check_pattern(text, psl)?;
            let pid = self.patterns.len() as PatternId;
            let pattern = Pattern::new(text.clone(), Role::App, tool);
            match self.matcher.insert(&pattern, pid) {
                None => self.patterns.push(pattern),
                Some(prev) if self.patterns[prev as usize].tool == tool => {}
                Some(prev) => {
                    let owner = &self.tools[self.patterns[prev as usize].tool as usize].id;
                    return Err(format!(
                        "domain `{text}` belongs to `{owner}` in the signature catalogue"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Adds a tool no catalogue file knows: an in-house or unlisted service the register
    /// names with its own domains (category `internal`).
    pub fn add_local_tool(
        &mut self,
        id: &str,
        name: &str,
        vendor: &str,
        file: &str,
    ) -> Result<ToolId, String> {
        if let Some(d) = self.ids.get(id) {
            return Err(format!(
                "tool id `{id}` already defined at {}:{}",
                d.file, d.line
            ));
        }
        let tool = ToolId::try_from(self.tools.len()).map_err(|_| "too many tools".to_string())?;
        self.ids.insert(
            id.to_string(),
            Defined {
                tool,
                file: file.to_string(),
                line: 0,
                shipped: false,
            },
        );
        self.tools.push(Tool {
            id: id.to_string(),
            name: name.to_string(),
            vendor: vendor.to_string(),
            category: "internal".to_string(),
            offering: None,
            exe: Vec::new(),
            aliases: Vec::new(),
            paths: PathRules::default(),
            source: None,
            lifecycle: Lifecycle::default(),
            risk: Risk::default(),
        });
        Ok(tool)
    }

    /// A fingerprint of what matching depends on: every pattern and desktop executable with
    /// the id of its tool (signature files and the register's domains alike). Partials record
    /// it, and `merge` refuses partials matched with another catalogue, whose counts would not
    /// be the ones a single scan gives.
    pub fn matching_digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let id = |t: ToolId| self.tools[t as usize].id.as_str();
        let mut lines: Vec<String> = self
            .patterns
            .iter()
            .map(|p| format!("host\t{}\t{}\t{}", p.text, id(p.tool), p.role.as_str()))
            .chain(
                self.exe
                    .iter()
                    .map(|(e, t)| format!("exe\t{}\t{}", String::from_utf8_lossy(e), id(*t))),
            )
            .chain(self.tools.iter().flat_map(|t| {
                t.paths
                    .iter()
                    .map(move |(p, e)| format!("path\t{p}\t{}\t{}", t.id, e.as_str()))
            }))
            .collect();
        lines.sort_unstable();
        let mut h = Sha256::new();
        for l in &lines {
            h.update(l.as_bytes());
            h.update(b"\n");
        }
        hex(&h.finalize()[..8])
    }

    /// The patterns of a tool, as written.
    pub fn patterns_of(&self, tool: ToolId) -> impl Iterator<Item = &str> {
        self.patterns
            .iter()
            .filter(move |p| p.tool == tool)
            .map(|p| p.text.as_str())
    }

    /// The most specific pattern matching a normalized (lowercase) host.
    pub fn find_host(&self, host: &[u8]) -> Option<&Pattern> {
        self.matcher
            .find(host)
            .map(|id| &self.patterns[id as usize])
    }

    /// What a normalized (lowercase) host is to the catalogue: the pattern that matches it
    /// and the role the host plays, which is the pattern's unless the host is a vendor web
    /// page right below a suffix pattern ([`VENDOR_WEB_LABELS`]).
    pub fn classify(&self, host: &[u8]) -> Option<Hit<'_>> {
        let pattern = self.find_host(host)?;
        let role = if pattern.shape == Shape::Suffix && is_vendor_web(host, pattern.host()) {
            Role::Docs
        } else {
            pattern.role
        };
        Some(Hit { pattern, role })
    }

    /// The evidence of an event that reached a host of `tool` whose role gives `host`, with
    /// the URL path where the log has one: the tool's path rules decide where one matches.
    pub fn evidence(&self, tool: ToolId, host: Evidence, path: Option<&[u8]>) -> Evidence {
        path.and_then(|p| self.tools[tool as usize].paths.evidence(p))
            .unwrap_or(host)
    }

    /// The tool whose desktop executable is `process` (a path or file name, any case).
    pub fn find_exe(&self, process: &[u8], scratch: &mut Vec<u8>) -> Option<ToolId> {
        if self.exe.is_empty() {
            return None;
        }
        let base = match memchr::memrchr2(b'/', b'\\', process) {
            Some(i) => &process[i + 1..],
            None => process,
        };
        crate::normalize::lowercase_into(scratch, base.trim_ascii());
        self.exe.get(scratch.as_slice()).copied()
    }

    /// What the report shows next to a tool's name when it is gone: `discontinued 2025-11`,
    /// `discontinued 2025-11 → Cursor`, `renamed → Windsurf` (the successor's name). `None`
    /// for an active tool.
    pub fn status_note(&self, tool: ToolId) -> Option<String> {
        let l = &self.tools.get(tool as usize)?.lifecycle;
        let successor = l.successor.as_deref().map(|s| {
            self.tool_by_id(s)
                .map_or(s, |t| self.tools[t as usize].name.as_str())
        });
        let month = l.date.as_deref().map(|d| d.get(..7).unwrap_or(d));
        let mut note = match (l.status, month) {
            (Status::Active, _) => return None,
            (Status::Renamed, _) | (_, None) => l.status.as_str().to_string(),
            (s, Some(m)) => format!("{} {m}", s.as_str()),
        };
        if let Some(to) = successor {
            note.push_str(" → ");
            note.push_str(to);
        }
        Some(note)
    }

    /// A tool by id.
    pub fn tool_by_id(&self, id: &str) -> Option<ToolId> {
        self.ids.get(id).map(|d| d.tool)
    }

    /// Each tool's place in the order of tool ids, by [`ToolId`]: reports list rows by tool
    /// id, and sort on this instead of comparing ids.
    pub fn id_ranks(&self) -> Vec<u32> {
        let ids: Vec<&str> = self.tools.iter().map(|t| t.id.as_str()).collect();
        crate::rank::ranks(&ids)
    }
}

/// Checks one pattern's syntax and that it claims no public suffix or shared domain.
fn check_pattern(p: &str, psl: &List) -> Result<(), String> {
    let body = p.strip_prefix('=').unwrap_or(p);
    let labels: Vec<&str> = body.split('.').collect();
    if labels.len() < 2 {
        return Err(format!("pattern `{p}` needs at least two labels"));
    }
    for l in &labels {
        let ok = !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'*')
            })
            && l.bytes().filter(|&c| c == b'*').count() <= 1;
        if !ok {
            return Err(format!(
                "pattern `{p}` is not a lowercase hostname (label `{l}`)"
            ));
        }
    }
    if labels.last().is_some_and(|l| l.contains('*')) {
        return Err(format!(
            "pattern `{p}` may not wildcard the top-level domain"
        ));
    }
    if p.starts_with('=') && body.contains('*') {
        return Err(format!("pattern `{p}`: `=` and `*` do not combine"));
    }
    // The literal part right of the last wildcard label must not be a public suffix either,
    // except a private one such as `hf.space`, whose every subdomain belongs to one service:
    // `*.hf.space` is precise, `*.com` is not.
    let tail_from = labels
        .iter()
        .rposition(|l| l.contains('*'))
        .map_or(0, |i| i + 1);
    let tail = labels[tail_from..].join(".");
    if let Some(s) = psl.suffix(tail.as_bytes()) {
        let wildcard_under_private = tail_from > 0 && s.typ() == Some(Type::Private);
        if s.is_known() && s.as_bytes() == tail.as_bytes() && !wildcard_under_private {
            return Err(format!(
                "pattern `{p}` is a public suffix; it would match unrelated sites"
            ));
        }
    }
    if tail_from == 0 && SHARED_DOMAINS.contains(&body) {
        return Err(format!(
            "pattern `{p}` is a domain shared with non-AI products"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn psl() -> List {
        crate::discovery::load_psl(None).unwrap()
    }

    #[test]
    fn embedded_catalogue_loads_and_every_tool_has_patterns() {
        let c = Catalogue::embedded(&psl()).unwrap();
        assert!(!c.tools.is_empty());
        assert!(
            c.tools
                .iter()
                .all(|t| CATEGORIES.contains(&t.category.as_str()))
        );
    }

    /// `host<TAB>tool_id` lines, `#` comments allowed.
    fn expectations(text: &str) -> Vec<(&str, &str)> {
        text.lines()
            .map(|l| l.split('#').next().unwrap_or_default().trim())
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.split_once('\t')
                    .map_or((l, ""), |(h, t)| (h.trim(), t.trim()))
            })
            .collect()
    }

    #[test]
    fn catalogue_is_large_and_precise() {
        let c = Catalogue::embedded(&psl()).unwrap();
        assert!(c.tools.len() >= 400, "{} tools", c.tools.len());
        let ai = [
            include_str!("../../tests/data/catalogue-ai-hosts-a.txt"),
            include_str!("../../tests/data/catalogue-ai-hosts-b.txt"),
        ];
        let mut checked = 0;
        for (host, want) in ai.iter().flat_map(|t| expectations(t)) {
            let got = c
                .find_host(host.as_bytes())
                .map(|p| c.tools[p.tool as usize].id.as_str());
            assert_eq!(got, Some(want), "{host}");
            checked += 1;
        }
        assert!(checked >= 300, "{checked}");
        let lookalikes = [
            include_str!("../../tests/data/catalogue-lookalikes-a.txt"),
            include_str!("../../tests/data/catalogue-lookalikes-b.txt"),
        ];
        for (host, _) in lookalikes.iter().flat_map(|t| expectations(t)) {
            let got = c.find_host(host.as_bytes()).map(|p| p.text.as_str());
            assert_eq!(got, None, "{host} must not match");
        }
        for host in [
            "gemini.com",
            "x.com",
            "anthropologie.com",
            "coherent.com",
            "notchatgpt.com",
            "chatgpt.com.evil.example",
            "www.google.com",
            "bing.com",
            "github.com",
            "discord.com",
            "www.microsoft.com",
        ] {
            assert!(c.find_host(host.as_bytes()).is_none(), "{host}");
        }
    }

    /// Issue 18: every case of the issue's "Why" list, as real URLs, is incidental to its
    /// tool, and real use of the same tools is use. A path decides only where the tool has a
    /// rule for it; a bare host (DNS, `CONNECT`) takes its role.
    #[test]
    fn issue_18_url_shapes_have_their_evidence() {
        let c = Catalogue::embedded(&psl()).unwrap();
        let (u, i) = (Evidence::Use, Evidence::Incidental);
        let cases = [
            // Widgets and embeds on third-party pages.
            ("https://www.chatbase.co/embed.min.js", "chatbase", i),
            (
                "https://www.chatbase.co/chatbot-iframe/Zk3x9Qp2",
                "chatbase",
                i,
            ),
            ("www.chatbase.co", "chatbase", i),
            (
                "https://cdn.botpress.cloud/webchat/v2.2/inject.js",
                "botpress",
                i,
            ),
            (
                "https://elevenlabs.io/convai-widget/index.js",
                "elevenlabs",
                i,
            ),
            (
                "wss://api.elevenlabs.io/v1/convai/conversation?agent_id=x",
                "elevenlabs",
                i,
            ),
            (
                "https://share.synthesia.io/embeds/videos/6f1c2a4e",
                "synthesia",
                i,
            ),
            // Links a colleague sent.
            (
                "https://chatgpt.com/share/6812a0f3-5c4c-8001-9f2e-1b2c3d4e5f60",
                "chatgpt",
                i,
            ),
            ("https://claude.site/artifacts/0b1c2d3e", "claude", i),
            ("https://claude.ai/share/2f6e1a9b", "claude", i),
            ("https://fathom.video/share/pQ2xVb7kLmN4rT8s", "fathom", i),
            ("https://otter.ai/u/Xy7Qp2Lm9Rt4", "otter", i),
            (
                "https://app.fireflies.ai/view/Weekly-sync::01HZX3Y4",
                "fireflies",
                i,
            ),
            ("https://gemini.google.com/share/a1b2c3d4e5f6", "gemini", i),
            // Vendor docs, help and status pages, and the vendors' own sites.
            ("docs.anthropic.com", "anthropic-api", i),
            ("status.openai.com", "chatgpt", i),
            ("help.openai.com", "chatgpt", i),
            ("openai.com", "chatgpt", i),
            ("www.openai.com", "chatgpt", i),
            ("anthropic.com", "claude", i),
            ("mistral.ai", "le-chat", i),
            ("docs.mistral.ai", "mistral-api", i),
            ("https://platform.openai.com/docs/overview", "openai-api", i),
            // Hot-linked media.
            (
                "https://image.pollinations.ai/prompt/a%20red%20fox",
                "pollinations",
                i,
            ),
            (
                "https://replicate.delivery/pbxt/abc/out-0.png",
                "replicate",
                i,
            ),
            ("v3.fal.media", "fal-ai", i),
            ("cdn.midjourney.com", "midjourney", i),
            // Sites users published.
            ("x.gptengineer.app", "lovable", i),
            ("acme.lovable.app", "lovable", i),
            ("https://mixo.io/site/acme-bakery", "mixo", i),
            // Real use of the same tools.
            ("https://chatgpt.com/backend-api/conversation", "chatgpt", u),
            ("chatgpt.com", "chatgpt", u),
            ("chat.openai.com", "chatgpt", u),
            ("auth.openai.com", "chatgpt", u),
            (
                "https://claude.ai/api/organizations/4f1e/chat_conversations",
                "claude",
                u,
            ),
            (
                "https://www.chatbase.co/dashboard/acme/chatbot/Zk3x9Qp2",
                "chatbase",
                u,
            ),
            ("https://www.chatbase.co/api/v1/chat", "chatbase", u),
            ("chat.mistral.ai", "le-chat", u),
            ("api.anthropic.com", "anthropic-api", u),
            ("studio.botpress.cloud", "botpress", u),
            ("app.synthesia.io", "synthesia", u),
            (
                "https://elevenlabs.io/app/speech-synthesis",
                "elevenlabs",
                u,
            ),
            ("lovable.dev", "lovable", u),
            ("gptengineer.app", "lovable", u),
            // A Yandex Station streams what the room says to Alice: use, of the speaker's
            // address (docs/catalogue.md explains the choice).
            ("uniproxy.alice.yandex.net", "yandex-alice", u),
        ];
        let mut host = Vec::new();
        for (raw, tool, want) in cases {
            crate::normalize::lowercase_into(
                &mut host,
                crate::normalize::host_part(raw.as_bytes()),
            );
            let hit = c
                .classify(&host)
                .unwrap_or_else(|| panic!("{raw}: no match"));
            assert_eq!(c.tools[hit.pattern.tool as usize].id, tool, "{raw}");
            let path = crate::normalize::path_part(raw.as_bytes());
            let got = c.evidence(hit.pattern.tool, hit.role.evidence(), path);
            assert_eq!(got, want, "{raw}");
        }
    }

    /// A vendor web label right below a suffix pattern is docs; deeper, under a wildcard, or
    /// named by a pattern of its own, it is not.
    #[test]
    fn vendor_web_pages_below_a_pattern_are_docs() {
        let mut c = Catalogue::empty();
        let text = "[[tool]]\nid = \"a\"\nname = \"A\"\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"a.example\", \"help.a.example\", \"*.sites.example\"]\napi = [\"api.a.example\"]\n";
        c.add_source("t.toml", text, &psl()).unwrap();
        let role = |h: &str| c.classify(h.as_bytes()).map(|hit| hit.role);
        assert_eq!(role("docs.a.example"), Some(Role::Docs));
        assert_eq!(role("status.api.a.example"), Some(Role::Docs));
        assert_eq!(
            role("help.a.example"),
            Some(Role::App),
            "its own pattern wins"
        );
        assert_eq!(
            role("x.docs.a.example"),
            Some(Role::App),
            "one label below only"
        );
        assert_eq!(role("docsx.a.example"), Some(Role::App));
        assert_eq!(role("a.example"), Some(Role::App));
        assert_eq!(role("docs.sites.example"), Some(Role::App), "a user's site");
        assert_eq!(role("docs.example"), None);
    }

    /// The new role keys load; path rules are checked, and change the matching fingerprint
    /// (a partial matched with other rules must not merge).
    #[test]
    fn roles_and_path_rules_are_checked() {
        let tool = |extra: &str| {
            format!(
                "[[tool]]\nid = \"w\"\nname = \"W\"\nvendor = \"V\"\ncategory = \"agent-builder\"\n{extra}"
            )
        };
        let load = |text: &str| {
            let mut c = Catalogue::empty();
            c.add_source("w.toml", text, &psl()).map(|()| c)
        };
        let good = load(&tool(
            "app = [\"w.example\"]\nembed = [\"cdn.w.example\"]\nshare = [\"w-share.example\"]\ndocs = [\"=w.example\"]\nmedia = [\"img.w.example\"]\nsite = [\"*.w-sites.example\"]\npath_use = [\"/dashboard\"]\npath_incidental = [\"/share/\"]\n",
        ))
        .unwrap();
        let roles: Vec<&str> = good.patterns.iter().map(|p| p.role.as_str()).collect();
        assert_eq!(roles, ["app", "embed", "share", "docs", "media", "site"]);
        let rules: Vec<(&str, Evidence)> = good.tools[0].paths.iter().collect();
        assert_eq!(
            rules,
            [
                ("/dashboard", Evidence::Use),
                ("/share/", Evidence::Incidental)
            ]
        );
        let errors = |extra: &str| -> Vec<String> {
            load(&tool(extra))
                .err()
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            errors(
                "app = [\"w.example\"]\npath_use = [\"dashboard\", \"/\"]\npath_incidental = [\"/a\", \"/a\"]\n"
            ),
            [
                "w.toml:7: path rule `dashboard` must start with `/`",
                "w.toml:7: path rule `/` would match every path; give the host a role instead",
                "w.toml:8: path rule `/a` is listed twice (already path_incidental)",
            ]
        );
        assert_eq!(
            errors("app = [\"w.example\"]\npath_use = [\"/a\"]\npath_incidental = [\"/a\"]\n"),
            ["w.toml:8: path rule `/a` is listed twice (already path_use)"]
        );
        assert_eq!(
            errors("exe = [\"w.exe\"]\npath_incidental = [\"/share/\"]\n"),
            ["w.toml:2: tool `w` has path rules but no host pattern whose paths they could judge"]
        );
        assert_eq!(
            errors("app = [\"w.example\"]\nwidget = [\"x.example\"]\n")[0]
                .split(" unknown field")
                .next(),
            Some("w.toml:7:")
        );
        let plain = load(&tool("app = [\"w.example\"]\n")).unwrap();
        let as_docs = load(&tool("docs = [\"w.example\"]\n")).unwrap();
        let with_rule = load(&tool("app = [\"w.example\"]\npath_use = [\"/x\"]\n")).unwrap();
        let digests = [&plain, &as_docs, &with_rule].map(Catalogue::matching_digest);
        assert_ne!(digests[0], digests[1]);
        assert_ne!(digests[0], digests[2]);
    }

    #[test]
    fn shipped_files_are_sorted_by_id() {
        for (name, text) in embedded::EMBEDDED {
            let doc: Doc = toml::from_str(text).unwrap();
            let ids: Vec<&str> = doc.tool.iter().map(|t| t.id.get_ref().as_str()).collect();
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            assert_eq!(ids, sorted, "{name} is not sorted by id");
        }
    }

    #[test]
    fn errors_name_file_and_line() {
        let mut c = Catalogue::empty();
        let text = "[[tool]]\nid = \"a\"\nname = \"A\"\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"a.example\"]\n\n[[tool]]\nid = \"b\"\nname = \"B\"\nvendor = \"V\"\ncategory = \"nope\"\napp = [\"a.example\", \"com\", \"Bad.example\", \"google.com\"]\n";
        let errs = c.add_source("user.toml", text, &psl()).unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                "user.toml:12: unknown category `nope` (see signatures/README.md)",
                "user.toml:13: pattern `a.example` is already claimed by `a`",
                "user.toml:13: pattern `com` needs at least two labels",
                "user.toml:13: pattern `Bad.example` is not a lowercase hostname (label `Bad`)",
                "user.toml:13: pattern `google.com` is a domain shared with non-AI products",
            ]
        );
        assert!(c.tools.is_empty(), "a failed file leaves nothing behind");
        let errs = c
            .add_source("bad.toml", "[[tool]]\nid = 3\n", &psl())
            .unwrap_err();
        assert_eq!(errs[0].line, 2);
    }

    /// Issue 17: an alias names one tool only, as the register join compares names, or a
    /// register row could join the wrong tool by file order.
    #[test]
    fn aliases_are_unique_and_no_other_tools_name_or_id() {
        let tool = |id: &str, name: &str, aliases: &str| {
            format!(
                "[[tool]]\nid = \"{id}\"\nname = \"{name}\"\naliases = [{aliases}]\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"{id}.example\"]\n\n"
            )
        };
        let mut c = Catalogue::empty();
        let ok = tool("alpha", "Alpha", "\"Alpha Team\", \"A-Chat\"") + &tool("beta", "Beta", "");
        c.add_source("ok.toml", &ok, &psl()).unwrap();
        assert_eq!(c.tools[0].aliases, ["Alpha Team", "A-Chat"]);
        let bad = tool(
            "gamma",
            "Gamma",
            "\"beta\", \"a chat\", \"G;H\", \"--\", \"GAMMA\"",
        ) + &tool("delta", "ALPHA-team", "")
            + &tool("epsilon", "Epsilon", "\"Gamma\"");
        let errs = c.add_source("bad.toml", &bad, &psl()).unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                "bad.toml:4: alias `beta` of `gamma` is the name or id of `beta`",
                "bad.toml:4: alias `a chat` of `gamma` is an alias of `alpha`",
                "bad.toml:4: alias `G;H` needs a letter or digit and no `;`",
                "bad.toml:4: alias `--` needs a letter or digit and no `;`",
                "bad.toml:4: alias `GAMMA` of `gamma` is its own name or id",
                "bad.toml:10: `ALPHA-team` of tool `delta` is an alias of `alpha`",
                "bad.toml:20: alias `Gamma` of `epsilon` is the name or id of `gamma`",
            ]
        );
        let shipped = Catalogue::embedded(&psl()).unwrap();
        let with_aliases = shipped.tools.iter().filter(|t| !t.aliases.is_empty());
        assert!(with_aliases.count() >= 20);
    }

    /// Issue 20: a tool's source, lifecycle and risk facts load as the schema writes them.
    #[test]
    fn source_lifecycle_and_risk_facts_load() {
        let text = r#"[[tool]]
id = "cursor"
name = "Cursor"
vendor = "Anysphere"
category = "coding-assistant"
source = "https://cursor.com/downloads"
app = ["cursor.com"]

[[tool]]
id = "supermaven"
name = "Supermaven"
vendor = "Supermaven"
category = "coding-assistant"
source = "https://supermaven.com/"
status = "discontinued"
status_date = "2025-11"
successor = "cursor"
app = ["supermaven.com"]

[tool.risk]
trains_on_inputs = { value = "opt-out", source = "https://supermaven.com/privacy", checked = "2026-12-02" }
enterprise_offering = { value = "none", source = "https://supermaven.com/pricing", checked = "2026-12-02" }
vendor_country = { value = "US", source = "https://supermaven.com/", checked = "2026-12-02" }
certifications = { value = [], source = "https://supermaven.com/", checked = "2026-12-02" }

[[tool]]
id = "b-browser"
name = "B"
vendor = "V"
category = "ai-browser"
app = ["b.example"]

[tool.risk]
certifications = { value = "unknown", source = "https://b.example/trust", checked = "2026-01-31" }
"#;
        let mut c = Catalogue::empty();
        c.add_source("t.toml", text, &psl()).unwrap();
        c.check_successors().unwrap();
        assert_eq!(
            c.tools[0].source.as_deref(),
            Some("https://cursor.com/downloads")
        );
        assert_eq!(c.tools[0].lifecycle, Lifecycle::default());
        assert!(c.tools[0].risk.is_empty());
        let s = &c.tools[1];
        assert_eq!(s.lifecycle.status, Status::Discontinued);
        assert_eq!(s.lifecycle.date.as_deref(), Some("2025-11"));
        assert_eq!(s.lifecycle.successor.as_deref(), Some("cursor"));
        let r = &s.risk;
        assert_eq!(
            r.trains_on_inputs.as_ref().map(|f| f.value),
            Some(Training::OptOut)
        );
        assert_eq!(
            r.enterprise_offering.as_ref().map(|f| f.value.clone()),
            Some(Enterprise::None)
        );
        assert_eq!(
            r.vendor_country
                .as_ref()
                .map(|f| (f.value.as_str(), f.checked.as_str())),
            Some(("US", "2026-12-02"))
        );
        assert_eq!(
            r.certifications.as_ref().map(|f| f.value.cell()),
            Some("none".to_string())
        );
        assert_eq!(
            c.tools[2]
                .risk
                .certifications
                .as_ref()
                .map(|f| f.value.clone()),
            Some(Certifications::Unknown)
        );
        assert_eq!(c.tools[2].category, "ai-browser");
    }

    /// Issue 20: every new field is checked, each error naming file and line; a successor is
    /// checked once every file is loaded, so it may be defined in a later file.
    #[test]
    fn source_lifecycle_and_risk_facts_are_checked() {
        let tool = |id: &str, extra: &str| {
            format!(
                "[[tool]]\nid = \"{id}\"\nname = \"{id}\"\nvendor = \"V\"\ncategory = \"llmops\"\napp = [\"{id}.example\"]\n{extra}\n"
            )
        };
        let errors = |text: &str| -> Vec<String> {
            let mut c = Catalogue::empty();
            c.add_source("e.toml", text, &psl())
                .err()
                .unwrap_or_default()
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            errors(&tool(
                "a",
                "source = \"a.example\"\nstatus = \"dead\"\nstatus_date = \"2025-11-21\""
            )),
            [
                "e.toml:7: source `a.example` must be an http:// or https:// URL",
                "e.toml:8: status `dead` must be active, discontinued or renamed",
                "e.toml:9: status_date of `a` needs status discontinued or renamed",
            ]
        );
        assert_eq!(
            errors(&tool(
                "a",
                "status = \"renamed\"\nstatus_date = \"2025-02-30\""
            )),
            [
                "e.toml:8: status_date `2025-02-30` must be a date YYYY-MM-DD or YYYY-MM",
                "e.toml:2: tool `a` is renamed and needs a status_date",
                "e.toml:2: tool `a` is renamed and needs a successor (the new tool's id)",
            ]
        );
        assert_eq!(
            errors(&tool(
                "a",
                "successor = \"a\"\nstatus = \"discontinued\"\nstatus_date = \"2025-11\""
            )),
            ["e.toml:7: tool `a` cannot be its own successor"]
        );
        assert_eq!(
            errors(&tool("a", "successor = \"b\"")),
            ["e.toml:7: successor of `a` needs status discontinued or renamed"]
        );
        let facts = "[tool.risk]\n\
            trains_on_inputs = { value = \"maybe\", source = \"https://a.example/p\", checked = \"2026-12-02\" }\n\
            enterprise_offering = { value = \"\", source = \"https://a.example/e\", checked = \"2026-12-02\" }\n\
            vendor_country = { value = \"UK\", source = \"www.a.example\", checked = \"2026-12-02\" }\n\
            certifications = { value = [\"SOC 2 Type II\", \"SOC 2 Type II\"], source = \"https://a.example/t\", checked = \"2026-12\" }";
        assert_eq!(
            errors(&tool("a", facts)),
            [
                "e.toml:8: risk fact trains_on_inputs must be yes, opt-out, no or unknown",
                "e.toml:9: risk fact enterprise_offering must be the plan's name, \"none\" or \"unknown\"",
                "e.toml:10: risk fact vendor_country must be an ISO 3166-1 alpha-2 code (`US`, `GB`, `CN`) or \"unknown\"",
                "e.toml:10: risk fact vendor_country: source `www.a.example` must be an http:// or https:// URL",
                "e.toml:11: risk fact certifications lists `SOC 2 Type II` twice",
                "e.toml:11: risk fact certifications: checked `2026-12` must be a date YYYY-MM-DD",
            ]
        );
        assert_eq!(
            errors(&tool(
                "a",
                "[tool.risk]\ncertifications = { value = 3, source = \"https://a.example/\", checked = \"2026-12-02\" }"
            )),
            [
                "e.toml:8: risk fact certifications must be a list of names (empty: none claimed) or \"unknown\""
            ]
        );
        for unknown in [
            "[tool.risk]\ntrains = { value = \"no\", source = \"https://a.example/\", checked = \"2026-12-02\" }",
            "[tool.risk]\nvendor_country = { value = \"US\", source = \"https://a.example/\", checked = \"2026-12-02\", note = \"x\" }",
        ] {
            let e = errors(&tool("a", unknown));
            assert!(
                e.len() == 1 && e[0].starts_with("e.toml:8: unknown field"),
                "{e:?}"
            );
        }
        // A successor in a later file resolves; one nowhere is reported where it is written.
        let mut c = Catalogue::empty();
        let old = tool(
            "old",
            "status = \"renamed\"\nstatus_date = \"2025-07-14\"\nsuccessor = \"new\"",
        );
        c.add_source("old.toml", &old, &psl()).unwrap();
        assert_eq!(
            c.check_successors().unwrap_err()[0].to_string(),
            "old.toml:9: successor `new` of `old` is no tool id"
        );
        c.add_source("new.toml", &tool("new", ""), &psl()).unwrap();
        c.check_successors().unwrap();
    }

    /// Issue 20: a user's entry with a shipped id replaces the shipped entry whole, patterns,
    /// executables and aliases included; only a shipped entry can be replaced.
    #[test]
    fn a_user_entry_replaces_the_shipped_entry_of_its_id() {
        let mut c = Catalogue::empty();
        let shipped = "[[tool]]\nid = \"a\"\nname = \"A\"\naliases = [\"A Team\"]\nvendor = \"V\"\ncategory = \"chat-assistant\"\nexe = [\"a.exe\"]\napp = [\"a.example\", \"old.a.example\"]\n\n[[tool]]\nid = \"b\"\nname = \"B\"\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"b.example\"]\n";
        c.add_file("signatures/s.toml", shipped, &psl(), true)
            .unwrap();
        let user = "[[tool]]\nid = \"a\"\nname = \"A (ours)\"\nvendor = \"V\"\ncategory = \"internal\"\nsource = \"https://a.example/\"\napp = [\"a.example\", \"new.a.example\"]\n\n[[tool]]\nid = \"c\"\nname = \"A Team\"\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"old.a.example\"]\n";
        c.add_source("mine.toml", user, &psl()).unwrap();
        let a = c.tool_by_id("a").unwrap();
        assert_eq!(a, 0, "the replacement keeps the tool's place");
        assert_eq!(c.tools.len(), 3);
        assert_eq!(c.tools[0].name, "A (ours)");
        assert_eq!(c.tools[0].category, "internal");
        assert!(c.tools[0].aliases.is_empty());
        let owner = |c: &Catalogue, h: &str| {
            c.find_host(h.as_bytes())
                .map(|p| c.tools[p.tool as usize].id.clone())
        };
        assert_eq!(owner(&c, "x.new.a.example").as_deref(), Some("a"));
        assert_eq!(
            owner(&c, "old.a.example").as_deref(),
            Some("c"),
            "the old pattern is free"
        );
        assert_eq!(owner(&c, "b.example").as_deref(), Some("b"));
        assert_eq!(c.find_exe(b"a.exe", &mut Vec::new()), None);
        assert_eq!(
            c.patterns_of(a).collect::<Vec<_>>(),
            ["a.example", "new.a.example"]
        );
        // The same id twice among the user's files, or in one, is still an error.
        let again = "[[tool]]\nid = \"a\"\nname = \"A2\"\nvendor = \"V\"\ncategory = \"internal\"\napp = [\"a2.example\"]\n";
        let errs = c.add_source("again.toml", again, &psl()).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "again.toml:2: tool id `a` already defined at mine.toml:2"
        );
        let twice = format!(
            "{}\n{}",
            again.replace("\"a\"", "\"b\""),
            again.replace("\"a\"", "\"b\"").replace("a2.", "a3.")
        );
        let errs = c.add_source("twice.toml", &twice, &psl()).unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "twice.toml:9: tool id `b` already defined at twice.toml:2"
        );
        assert_eq!(
            owner(&c, "b.example").as_deref(),
            Some("b"),
            "a failed file changes nothing"
        );
        // Two shipped files may not define one id either.
        let errs = c
            .add_file(
                "signatures/t.toml",
                &again.replace("\"a\"", "\"c\""),
                &psl(),
                true,
            )
            .unwrap_err();
        assert_eq!(
            errs[0].to_string(),
            "signatures/t.toml:2: tool id `c` already defined at mine.toml:10"
        );
    }

    /// Issue 20: `signatures lint` names every tool without a source, at its id.
    #[test]
    fn tools_without_a_source_are_named_at_their_id() {
        let mut c = Catalogue::empty();
        let text = "[[tool]]\nid = \"a\"\nname = \"A\"\nvendor = \"V\"\ncategory = \"llmops\"\nsource = \"https://a.example/docs\"\napp = [\"a.example\"]\n\n[[tool]]\nid = \"b\"\nname = \"B\"\nvendor = \"V\"\ncategory = \"llmops\"\napp = [\"b.example\"]\n";
        c.add_source("f.toml", text, &psl()).unwrap();
        c.add_local_tool("in-house", "In-house", "Corp", "register.csv")
            .unwrap();
        let shown: Vec<String> = c
            .without_source(&|f| f == "f.toml")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown, ["f.toml:10: tool `b` has no source"]);
    }

    /// Issue 20, item 5: every id, alias and host pattern is unique across the whole shipped
    /// catalogue, read straight from the files (independently of the loader's own checks): an
    /// alias is compared as the register join compares names, against every other tool's
    /// name, id and aliases.
    #[test]
    fn shipped_ids_aliases_and_patterns_are_unique_across_files() {
        let mut ids: HashMap<String, String> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut aliases: HashMap<String, String> = HashMap::new();
        let mut patterns: HashMap<String, String> = HashMap::new();
        let mut docs = Vec::new();
        for (file, text) in embedded::EMBEDDED {
            let doc: Doc = toml::from_str(text).unwrap();
            docs.push((file, doc));
        }
        for (file, doc) in &docs {
            for t in &doc.tool {
                let id = t.id.get_ref().clone();
                let at = format!("{file}: {id}");
                if let Some(prev) = ids.insert(id.clone(), at.clone()) {
                    panic!("id `{id}` twice: {prev} and {at}");
                }
                for k in [key(&id), key(&t.name)] {
                    names.entry(k).or_insert_with(|| id.clone());
                }
                let roles = [
                    &t.app,
                    &t.api,
                    &t.assets,
                    &t.upload,
                    &t.telemetry,
                    &t.embed,
                    &t.share,
                    &t.docs,
                    &t.media,
                    &t.site,
                ];
                for p in roles.into_iter().flatten() {
                    let p = p.get_ref().clone();
                    if let Some(prev) = patterns.insert(p.clone(), at.clone()) {
                        panic!("pattern `{p}` twice: {prev} and {at}");
                    }
                }
            }
        }
        for (file, doc) in &docs {
            for t in &doc.tool {
                let id = t.id.get_ref();
                for a in &t.aliases {
                    let k = key(a.get_ref());
                    if let Some(prev) = aliases.insert(k.clone(), id.clone()) {
                        panic!(
                            "alias `{}` of {file}: {id} is also an alias of `{prev}`",
                            a.get_ref()
                        );
                    }
                    if let Some(other) = names.get(&k).filter(|o| *o != id) {
                        panic!(
                            "alias `{}` of {file}: {id} is the name or id of `{other}`",
                            a.get_ref()
                        );
                    }
                }
            }
        }
        assert!(
            ids.len() >= 400 && patterns.len() >= ids.len(),
            "{} ids",
            ids.len()
        );
    }

    /// Issue 20: no host without evidence. Every tool of the shipped catalogue names a vendor
    /// page showing its hosts are the vendor's; the failure lists every tool without one.
    #[test]
    fn catalogue_every_tool_has_source() {
        let c = Catalogue::embedded(&psl()).unwrap();
        let missing: Vec<String> = c
            .without_source(&|_| true)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            missing.is_empty(),
            "{} shipped tools have no source:\n{}",
            missing.len(),
            missing.join("\n")
        );
    }

    #[test]
    fn public_suffixes_are_refused() {
        let l = psl();
        assert!(check_pattern("co.uk", &l).is_err());
        assert!(check_pattern("*.com", &l).is_err());
        assert!(check_pattern("s3.amazonaws.com", &l).is_err());
        assert!(check_pattern("*.openai.azure.com", &l).is_ok());
        assert!(check_pattern("hf.space", &l).is_err());
        assert!(check_pattern("*.hf.space", &l).is_ok());
        assert!(check_pattern("bedrock-runtime.*.amazonaws.com", &l).is_ok());
        assert!(check_pattern("example.*", &l).is_err());
    }

    /// A register may add tens of thousands of in-house tools, more than 16 bits count; each
    /// is found by its id and a repeated id is refused naming where it was defined.
    #[test]
    fn local_tools_beyond_65535_are_added_and_found_by_id() {
        let mut c = Catalogue::empty();
        for i in 0..70_000 {
            let id = format!("t{i}");
            assert_eq!(c.add_local_tool(&id, "T", "in-house", "r.csv"), Ok(i));
        }
        assert_eq!(c.tool_by_id("t69999"), Some(69_999));
        assert_eq!(c.tool_by_id("t70000"), None);
        assert_eq!(
            c.add_local_tool("t65536", "T", "in-house", "r2.csv"),
            Err("tool id `t65536` already defined at r.csv:0".to_string())
        );
    }

    #[test]
    fn exe_lookup_takes_the_file_name() {
        let mut c = Catalogue::empty();
        let text = "[[tool]]\nid = \"cursor\"\nname = \"Cursor\"\nvendor = \"Anysphere\"\ncategory = \"coding-assistant\"\nexe = [\"Cursor.exe\"]\napp = [\"cursor.sh\"]\n";
        c.add_source("t.toml", text, &psl()).unwrap();
        let mut s = Vec::new();
        assert_eq!(
            c.find_exe(
                br"C:\Users\a\AppData\Local\Programs\cursor\CURSOR.EXE",
                &mut s
            ),
            Some(0)
        );
        assert_eq!(c.find_exe(b"/usr/bin/cursorx", &mut s), None);
    }
}
