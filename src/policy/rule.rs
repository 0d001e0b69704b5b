//! The rules an audit enforces, each with its severity and the clause of the AI acceptable-use
//! policy it enforces (docs/register.md "Findings" maps rule to clause), in one table.
//!
//! A rule is written by name (`shadow-ai`) in every output, so [`Rule`] serializes as its name;
//! findings sort by that name within a severity, as `findings.csv` always has.

use serde::{Serialize, Serializer};

/// Severity, most serious first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Use of unapproved tools, uploads to them.
    High,
    /// Tier-3 use, uploads to tier 2, stale assessments.
    Medium,
    /// Consumer offering while the enterprise one is approved.
    Low,
    /// Register hygiene.
    Info,
}

impl Severity {
    /// `high`, `medium`, …: the name `findings.csv` uses.
    pub fn name(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// A policy rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A user used a tier-4 tool.
    ShadowAi,
    /// Uploads above the threshold to a tier-3 or tier-4 tool.
    UploadToUnapproved,
    /// A user used a tier-3 tool.
    UnderEvaluation,
    /// Uploads above the threshold to a tier-2 tool.
    UploadToGeneral,
    /// A register row assessed more than 12 months before the window ends, or never.
    StaleAssessment,
    /// A consumer offering used while the same vendor's enterprise one is approved.
    ConsumerWhenEnterprise,
    /// An approved tool unused in the audit window.
    RegisterUnused,
}

impl Rule {
    /// Every rule, in the order the reports list them: most severe first.
    pub const ALL: [Rule; 7] = [
        Rule::ShadowAi,
        Rule::UploadToUnapproved,
        Rule::UnderEvaluation,
        Rule::UploadToGeneral,
        Rule::StaleAssessment,
        Rule::ConsumerWhenEnterprise,
        Rule::RegisterUnused,
    ];

    /// The one table: name, severity and the policy clause enforced.
    fn spec(self) -> (&'static str, Severity, &'static str) {
        match self {
            Rule::ShadowAi => (
                "shadow-ai",
                Severity::High,
                "Tier 4 — Unapproved / Shadow AI: no data of any class may be entered (tier table; §5).",
            ),
            Rule::UploadToUnapproved => (
                "upload-to-unapproved",
                Severity::High,
                "Uploads to a tier-3 or tier-4 tool: only public data with manager approval (tier 3) or nothing (tier 4) may be entered (§5).",
            ),
            Rule::UnderEvaluation => (
                "under-evaluation",
                Severity::Medium,
                "Tier 3 — Under Evaluation: public data only, with written manager approval (§5).",
            ),
            Rule::UploadToGeneral => (
                "upload-to-general",
                Severity::Medium,
                "Uploads to a tier-2 tool: public and non-sensitive internal data only; large uploads suggest confidential data (§5).",
            ),
            Rule::StaleAssessment => (
                "stale-assessment",
                Severity::Medium,
                "The register must show active management: each tool's assessment is at most 12 months old (AI Tool Register).",
            ),
            Rule::ConsumerWhenEnterprise => (
                "consumer-when-enterprise",
                Severity::Low,
                "Using a consumer AI account for work when an enterprise equivalent is available is prohibited (§3 prohibited uses).",
            ),
            Rule::RegisterUnused => (
                "register-unused",
                Severity::Info,
                "An approved (tier 1/2) tool unused in the audit window: confirm it is still needed (AI Tool Register).",
            ),
        }
    }

    /// `shadow-ai`: the name every output writes.
    pub fn name(self) -> &'static str {
        self.spec().0
    }

    /// The rule an output names (`shadow-ai`), for readers of `findings.csv`.
    pub fn by_name(name: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.name() == name)
    }

    /// How serious a breach of the rule is.
    pub fn severity(self) -> Severity {
        self.spec().1
    }

    /// The policy clause the rule enforces.
    pub fn clause(self) -> &'static str {
        self.spec().2
    }
}

/// The name, so `findings.csv` and the JSON outputs keep writing `shadow-ai`.
impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_rule_once_most_severe_first_with_a_unique_name() {
        let names: HashSet<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), Rule::ALL.len());
        let variants: HashSet<Rule> = Rule::ALL.into_iter().collect();
        assert_eq!(variants.len(), Rule::ALL.len());
        assert!(Rule::ALL.is_sorted_by_key(|r| r.severity()));
        for r in Rule::ALL {
            assert!(!r.clause().is_empty(), "{r:?}");
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.name())
            );
        }
    }

    #[test]
    fn severity_names_are_the_serialized_ones() {
        for s in [
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ] {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.name())
            );
        }
    }

    #[test]
    fn docs_document_every_rule_with_its_severity() {
        let doc = include_str!("../../docs/register.md");
        for rule in Rule::ALL {
            assert!(
                doc.contains(&format!(
                    "| `{}` | {} |",
                    rule.name(),
                    rule.severity().name()
                )),
                "docs/register.md lacks rule {}",
                rule.name()
            );
        }
    }
}
