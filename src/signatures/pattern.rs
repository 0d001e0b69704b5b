//! One host pattern of the catalogue, parsed once: its [`Shape`], its [`Role`] and its tool.
//!
//! Three readers must agree on which pattern wins a host: the scan's matcher, the blocklist's
//! overlap rule (an allowed tool inside a blocked one's domain) and the Splunk lookup export
//! (first matching row wins). They all compare [`Pattern::specificity`], so the order is
//! defined once, here.

use super::ToolId;

/// What a pattern is for within its tool; the TOML key it is listed under.
///
/// The role says what reaching the host is evidence of ([`Role::evidence`]): the product, its
/// API, its upload and telemetry endpoints are reached by people who use the tool; its CDN,
/// its embeddable widgets, its shared-content links, its vendor web pages, its hot-linked media
/// and its users' published sites are reached by anyone who reads a page that carries them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `app`: the product people use.
    App,
    /// `api`: programmatic access.
    Api,
    /// `assets`: static content and CDNs.
    Assets,
    /// `upload`: file upload endpoints.
    Upload,
    /// `telemetry`: metrics and error reporting of the tool's own app or program.
    Telemetry,
    /// `embed`: widget and embed scripts or frames that third-party sites load.
    Embed,
    /// `share`: shared-content links and share domains.
    Share,
    /// `docs`: the vendor's web site, docs, help, status, blog and community pages.
    Docs,
    /// `media`: generated media and its CDNs, hot-linked from other pages.
    Media,
    /// `site`: apps and sites the tool's users publish.
    Site,
}

impl Role {
    /// The name in signature files and in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::App => "app",
            Role::Api => "api",
            Role::Assets => "assets",
            Role::Upload => "upload",
            Role::Telemetry => "telemetry",
            Role::Embed => "embed",
            Role::Share => "share",
            Role::Docs => "docs",
            Role::Media => "media",
            Role::Site => "site",
        }
    }

    /// What reaching a host of this role is evidence of. The one place the mapping lives.
    ///
    /// `assets` is incidental: a CDN is also loaded by the vendor's marketing pages, share
    /// pages and embeds, and whoever really uses the tool reaches its app or API host too, so
    /// nothing is lost. `telemetry` is use: the catalogue lists only the tool's own app or
    /// desktop program reporting home there.
    pub fn evidence(self) -> Evidence {
        match self {
            Role::App | Role::Api | Role::Upload | Role::Telemetry => Evidence::Use,
            Role::Assets | Role::Embed | Role::Share | Role::Docs | Role::Media | Role::Site => {
                Evidence::Incidental
            }
        }
    }
}

/// How strongly an event shows that its person used the tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Evidence {
    /// The person worked with the tool: its app, API, uploads, sign-in or desktop program.
    #[default]
    Use,
    /// The person only touched the vendor's web presence: an embedded widget, a shared link,
    /// a docs, help or status page, a CDN or hot-linked media, a site a user published.
    Incidental,
}

impl Evidence {
    /// The name in outputs and in signature files (`path_use`, `path_incidental`).
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Use => "use",
            Evidence::Incidental => "incidental",
        }
    }
}

/// Which hosts a pattern matches, by where its `=` or `*` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `=host`: that host only.
    Exact,
    /// `host`: the host and its subdomains.
    Suffix,
    /// `*.tail`: every strict subdomain of `tail` (the wildcard is a whole first label).
    SubOnly,
    /// Any other wildcard (`*-aiplatform.googleapis.com`, `bedrock-runtime.*.amazonaws.com`),
    /// with subdomains.
    Glob {
        /// Only the first label has a wildcard.
        leading: bool,
    },
}

impl Shape {
    /// Classifies a pattern as written (`host`, `=host`, with `*` globs).
    pub fn of(text: &str) -> Shape {
        if text.starts_with('=') {
            return Shape::Exact;
        }
        if !text.contains('*') {
            return Shape::Suffix;
        }
        let (first, rest) = text.split_once('.').unwrap_or((text, ""));
        if first == "*" && !rest.contains('*') {
            return Shape::SubOnly;
        }
        Shape::Glob {
            leading: first.contains('*') && !rest.contains('*'),
        }
    }

    /// The `match` column of `signatures export`: `exact`, `suffix` or `wildcard`.
    pub fn match_kind(self) -> &'static str {
        match self {
            Shape::Exact => "exact",
            Shape::Suffix => "suffix",
            Shape::SubOnly | Shape::Glob { .. } => "wildcard",
        }
    }
}

/// How specific a pattern is; the greater wins a host that several patterns match: more
/// labels, then more literal (wildcard-free) labels, then an exact pattern over a suffix one.
/// So `api.openai.com` beats `openai.com`, `myres.azure.com` beats `*.azure.com`, and
/// `=openai.com` beats `openai.com` on `openai.com` itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Specificity {
    // Field order is the comparison order (derived `Ord`).
    labels: u32,
    literal: u32,
    exact: bool,
}

/// One host pattern of a tool.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// As written: `chatgpt.com`, `=chat.openai.com`, `*.openai.azure.com`.
    pub text: String,
    /// Its kind, parsed from `text`.
    pub shape: Shape,
    /// What it is for.
    pub role: Role,
    /// Owner.
    pub tool: ToolId,
}

impl Pattern {
    /// A pattern of `tool`, from its (validated) text.
    pub fn new(text: String, role: Role, tool: ToolId) -> Pattern {
        Pattern {
            shape: Shape::of(&text),
            text,
            role,
            tool,
        }
    }

    /// The text without the exact marker `=`: a hostname, possibly with `*` labels.
    pub fn host(&self) -> &str {
        self.text.strip_prefix('=').unwrap_or(&self.text)
    }

    /// Where it ranks among the patterns matching one host (see [`Specificity`]).
    pub fn specificity(&self) -> Specificity {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let labels = self.host().split('.');
        Specificity {
            labels: count(labels.clone().count()),
            literal: count(labels.filter(|l| !l.contains('*')).count()),
            exact: self.shape == Shape::Exact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Pattern {
        Pattern::new(text.to_string(), Role::App, 0)
    }

    #[test]
    fn shapes() {
        assert_eq!(p("=a.b.c").shape, Shape::Exact);
        assert_eq!(p("=a.b.c").host(), "a.b.c");
        assert_eq!(p("a.b").shape, Shape::Suffix);
        assert_eq!(p("*.openai.azure.com").shape, Shape::SubOnly);
        assert_eq!(
            p("*-aiplatform.googleapis.com").shape,
            Shape::Glob { leading: true }
        );
        assert_eq!(
            p("bedrock-runtime.*.amazonaws.com").shape,
            Shape::Glob { leading: false }
        );
        let kinds: Vec<&str> = ["=a.b", "a.b", "*.a.b", "x-*.a.b"]
            .iter()
            .map(|t| p(t).shape.match_kind())
            .collect();
        assert_eq!(kinds, ["exact", "suffix", "wildcard", "wildcard"]);
    }

    /// The product, its API, uploads and its own telemetry are use; the vendor's CDN, widgets,
    /// share links, web pages, hot-linked media and users' sites are not.
    #[test]
    fn roles_map_to_evidence() {
        let roles = [
            Role::App,
            Role::Api,
            Role::Assets,
            Role::Upload,
            Role::Telemetry,
            Role::Embed,
            Role::Share,
            Role::Docs,
            Role::Media,
            Role::Site,
        ];
        let incidental: Vec<&str> = roles
            .iter()
            .filter(|r| r.evidence() == Evidence::Incidental)
            .map(|r| r.as_str())
            .collect();
        assert_eq!(
            incidental,
            ["assets", "embed", "share", "docs", "media", "site"]
        );
        assert_eq!(Evidence::default(), Evidence::Use);
    }

    #[test]
    fn specificity_orders_as_the_matcher_does() {
        let s = |t: &str| p(t).specificity();
        assert!(s("api.openai.com") > s("openai.com"));
        assert!(s("=openai.com") > s("openai.com"));
        assert!(s("=chat.openai.com") > s("chat.openai.com"));
        assert!(s("myres.openai.azure.com") > s("*.openai.azure.com"));
        assert!(s("*.openai.azure.com") > s("openai.azure.com"));
        assert!(s("x.bedrock-runtime.amazonaws.com") > s("bedrock-runtime.*.amazonaws.com"));
        assert_eq!(s("a.openai.com"), s("b.openai.com"));
    }
}
