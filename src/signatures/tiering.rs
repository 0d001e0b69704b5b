//! The suggested tier: the catalogue's risk facts turned into a first answer to "which tools
//! can be fast-tracked into Tier 1 or Tier 2". It is a suggestion for the reviewer who decides
//! (the register's tier is what policy applies), so it is derived by one rule, documented in
//! `docs/catalogue.md#suggested-tier`, and never from a fact nobody checked.
//!
//! The rule, first match wins:
//! 1. discontinued → `no tier (discontinued)`; renamed → `assess the successor <id>`;
//! 2. an enterprise plan with a DPA / no-training terms → `Tier 1 candidate via <plan>`;
//! 3. no enterprise plan (`none`), and the consumer plan does not train on inputs or lets the
//!    user opt out → `Tier 2 candidate`;
//! 4. no enterprise plan, and the consumer plan trains on inputs → `Tier 3/4`;
//! 5. anything else (a fact missing or `unknown`) → `needs assessment`.

use super::{Enterprise, Status, Tool, Training};

/// The suggestion when the facts do not decide.
pub const NEEDS_ASSESSMENT: &str = "needs assessment";

/// The suggested tier of `tool`, by the rule in the module documentation.
pub fn suggested_tier(tool: &Tool) -> String {
    match tool.lifecycle.status {
        Status::Discontinued => return "no tier (discontinued)".to_string(),
        Status::Renamed => {
            return match &tool.lifecycle.successor {
                Some(s) => format!("assess the successor {s}"),
                None => NEEDS_ASSESSMENT.to_string(),
            };
        }
        Status::Active => {}
    }
    let risk = &tool.risk;
    let training = risk.trains_on_inputs.as_ref().map(|f| f.value);
    match risk.enterprise_offering.as_ref().map(|f| &f.value) {
        Some(Enterprise::Plan(plan)) => format!("Tier 1 candidate via {plan}"),
        Some(Enterprise::None) => match training {
            Some(Training::No | Training::OptOut) => "Tier 2 candidate".to_string(),
            Some(Training::Yes) => "Tier 3/4".to_string(),
            Some(Training::Unknown) | None => NEEDS_ASSESSMENT.to_string(),
        },
        Some(Enterprise::Unknown) | None => NEEDS_ASSESSMENT.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signatures::{Fact, Lifecycle, PathRules, Risk};

    fn fact<T>(value: T) -> Option<Fact<T>> {
        Some(Fact {
            value,
            source: "https://v.example/terms".to_string(),
            checked: "2026-12-02".to_string(),
        })
    }

    fn tool(
        training: Option<Training>,
        enterprise: Option<Enterprise>,
        lifecycle: Lifecycle,
    ) -> Tool {
        Tool {
            id: "t".into(),
            name: "T".into(),
            vendor: "V".into(),
            category: "chat-assistant".into(),
            offering: None,
            exe: Vec::new(),
            aliases: Vec::new(),
            paths: PathRules::default(),
            source: None,
            lifecycle,
            risk: Risk {
                trains_on_inputs: training.and_then(fact),
                enterprise_offering: enterprise.and_then(fact),
                ..Risk::default()
            },
        }
    }

    fn active(training: Option<Training>, enterprise: Option<Enterprise>) -> String {
        suggested_tier(&tool(training, enterprise, Lifecycle::default()))
    }

    #[test]
    fn an_enterprise_plan_makes_a_tier_1_candidate_whatever_the_consumer_plan_does() {
        let plan = || Some(Enterprise::Plan("ChatGPT Enterprise (DPA)".into()));
        for training in [Some(Training::Yes), Some(Training::OptOut), None] {
            assert_eq!(
                active(training, plan()),
                "Tier 1 candidate via ChatGPT Enterprise (DPA)"
            );
        }
    }

    #[test]
    fn without_an_enterprise_plan_training_decides_between_tier_2_and_3_4() {
        let none = || Some(Enterprise::None);
        assert_eq!(active(Some(Training::No), none()), "Tier 2 candidate");
        assert_eq!(active(Some(Training::OptOut), none()), "Tier 2 candidate");
        assert_eq!(active(Some(Training::Yes), none()), "Tier 3/4");
        assert_eq!(active(Some(Training::Unknown), none()), NEEDS_ASSESSMENT);
        assert_eq!(active(None, none()), NEEDS_ASSESSMENT);
    }

    #[test]
    fn unknown_or_missing_enterprise_facts_need_assessment() {
        for enterprise in [Some(Enterprise::Unknown), None] {
            for training in [Some(Training::No), Some(Training::Yes), None] {
                assert_eq!(active(training, enterprise.clone()), NEEDS_ASSESSMENT);
            }
        }
    }

    #[test]
    fn a_discontinued_or_renamed_tool_gets_no_tier_of_its_own() {
        let plan = Some(Enterprise::Plan("Pro".into()));
        let gone = Lifecycle {
            status: Status::Discontinued,
            date: Some("2025-11".into()),
            successor: Some("cursor".into()),
        };
        assert_eq!(
            suggested_tier(&tool(Some(Training::No), plan.clone(), gone)),
            "no tier (discontinued)"
        );
        let renamed = Lifecycle {
            status: Status::Renamed,
            date: Some("2025-07".into()),
            successor: Some("new-name".into()),
        };
        assert_eq!(
            suggested_tier(&tool(None, plan, renamed)),
            "assess the successor new-name"
        );
    }
}
