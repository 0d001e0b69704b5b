//! `--jsonl`: `findings.jsonl` and `per-user.jsonl`, one JSON object per line with Elastic
//! Common Schema (ECS) field names, so Splunk HEC, Elastic (Filebeat/Logstash/Elastic Agent)
//! or Microsoft Sentinel (custom logs) ingest them without a mapping.
//!
//! Field names are flat dotted keys (`user.name`), which Elasticsearch expands into objects and
//! Splunk and Sentinel keep as written. ECS leaves the scale of `event.severity` to the source;
//! ours follows Elastic Security's default risk scores per severity (high 73, medium 47,
//! low 21, info 0) so alerts sort the same way there. Fields ECS has no name for are under
//! `shadowai.*`. The table in docs/siem.md lists every field.

use std::io::Write;

use serde_json::{Map, Value, json};

use crate::findings::Finding;
use crate::policy::{Rule, Severity};
use crate::report::{Exporter, Report, UserRow, When};
use crate::signatures::Catalogue;
use crate::time::Stamp;

/// `event.severity` per finding severity (Elastic Security's default risk scores).
pub fn severity_number(s: Severity) -> u8 {
    match s {
        Severity::High => 73,
        Severity::Medium => 47,
        Severity::Low => 21,
        Severity::Info => 0,
    }
}

/// Rules about the register itself, not about a user's traffic.
const REGISTER_RULES: &[Rule] = &[Rule::StaleAssessment, Rule::RegisterUnused];

/// The tool's primary host: its first literal (non-wildcard) pattern, `app` role first. The
/// aggregates do not keep hosts per row, so this names the service, not a logged request.
pub(crate) fn primary_domain(catalogue: &Catalogue, tool_id: &str) -> Option<String> {
    let tool = catalogue.tool_by_id(tool_id)?;
    let mut patterns: Vec<_> = catalogue
        .patterns
        .iter()
        .filter(|p| p.tool == tool && !p.text.contains('*'))
        .collect();
    patterns.sort_by_key(|p| p.role != crate::signatures::Role::App);
    patterns
        .first()
        .map(|p| p.text.trim_start_matches('=').to_string())
}

pub(crate) fn put(m: &mut Map<String, Value>, k: &str, v: impl Into<Value>) {
    m.insert(k.to_string(), v.into());
}

/// Puts a string field unless it is empty (ECS: absent rather than empty).
pub(crate) fn put_str(m: &mut Map<String, Value>, k: &str, v: &str) {
    if !v.is_empty() {
        put(m, k, v);
    }
}

/// The end of the audit window, for rows without a time of their own.
fn window_end(r: &Report) -> Stamp {
    Stamp(r.config.until.or(r.scan.agg.window.last))
}

/// One finding as an ECS object.
pub fn finding(r: &Report, f: &Finding) -> Value {
    let mut m = Map::new();
    let ts = if f.last_seen.0.is_none() {
        window_end(r)
    } else {
        f.last_seen
    };
    put_str(&mut m, "@timestamp", &ts.to_string());
    put(&mut m, "event.kind", "alert");
    let register_rule = REGISTER_RULES.contains(&f.rule);
    put(
        &mut m,
        "event.category",
        json!([if register_rule {
            "configuration"
        } else {
            "web"
        }]),
    );
    put(&mut m, "event.type", json!(["info"]));
    put(&mut m, "event.module", "shadowai");
    put(&mut m, "event.dataset", "shadowai.findings");
    put(&mut m, "event.severity", severity_number(f.severity));
    put_str(&mut m, "event.start", &f.first_seen.to_string());
    put_str(&mut m, "event.end", &f.last_seen.to_string());
    put(&mut m, "rule.name", f.rule.name());
    put(&mut m, "rule.ruleset", "shadowai");
    put(&mut m, "rule.description", f.rule.clause());
    put_str(&mut m, "user.name", &f.user);
    if let Some(d) = primary_domain(r.catalogue, &f.tool_id) {
        put(&mut m, "url.domain", d);
    }
    put_str(&mut m, "message", &f.detail);
    put(&mut m, "shadowai.severity", json!(f.severity));
    put(&mut m, "shadowai.tool.id", &*f.tool_id);
    put(&mut m, "shadowai.tool.name", &*f.tool);
    put(&mut m, "shadowai.tool.tier", f.tier.number());
    put(&mut m, "shadowai.events", f.events);
    // Absent where no source measured uploads (ECS: absent rather than null).
    if let Some(b) = f.bytes_out {
        put(&mut m, "shadowai.bytes_out", b);
    }
    put_str(&mut m, "shadowai.department", &f.department);
    put_str(&mut m, "shadowai.manager", &f.manager);
    Value::Object(m)
}

fn list(cell: &str) -> Value {
    json!(
        cell.split(';')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
    )
}

/// One per-user row as an ECS object.
pub fn per_user(r: &Report, u: &UserRow) -> Value {
    let mut m = Map::new();
    let ts = if u.stats.last_seen.0.is_none() {
        window_end(r)
    } else {
        u.stats.last_seen
    };
    put_str(&mut m, "@timestamp", &ts.to_string());
    put(&mut m, "event.kind", "metric");
    put(&mut m, "event.category", json!(["web"]));
    put(&mut m, "event.type", json!(["info"]));
    put(&mut m, "event.module", "shadowai");
    put(&mut m, "event.dataset", "shadowai.per_user");
    put_str(&mut m, "event.start", &u.stats.first_seen.to_string());
    put_str(&mut m, "event.end", &u.stats.last_seen.to_string());
    put(&mut m, "user.name", &*u.user);
    if let Some(d) = primary_domain(r.catalogue, &u.tool.tool_id) {
        put(&mut m, "url.domain", d);
    }
    put(&mut m, "shadowai.tool.id", u.tool.tool_id.as_str());
    put(&mut m, "shadowai.tool.name", u.tool.tool.as_str());
    put(&mut m, "shadowai.tool.vendor", u.tool.vendor.as_str());
    put(&mut m, "shadowai.tool.category", u.tool.category.as_str());
    put(&mut m, "shadowai.tool.tier", u.tool.tier.number());
    put(&mut m, "shadowai.tool.registered", u.registered);
    put(&mut m, "shadowai.events", u.stats.events);
    // Absent where no source measured uploads (ECS: absent rather than null).
    if let Some(b) = u.stats.bytes_out {
        put(&mut m, "shadowai.bytes_out", b);
    }
    put(&mut m, "shadowai.devices", list(&u.devices));
    put(&mut m, "shadowai.processes", list(&u.processes));
    put(&mut m, "shadowai.evidence", u.evidence.as_str());
    put_str(&mut m, "shadowai.department", &u.department);
    put_str(&mut m, "shadowai.manager", &u.manager);
    Value::Object(m)
}

/// Writes every finding, one object per line.
pub fn write_findings(r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
    for f in &r.findings {
        serde_json::to_writer(&mut *w, &finding(r, f))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes every per-user row, one object per line.
pub fn write_per_user(r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
    for u in &r.per_user {
        serde_json::to_writer(&mut *w, &per_user(r, u))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// `findings.jsonl`, written with `--jsonl`.
pub struct Findings;

impl Exporter for Findings {
    fn file_name(&self) -> &'static str {
        "findings.jsonl"
    }
    fn when(&self) -> When {
        When::Jsonl
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        write_findings(r, w)
    }
}

/// `per-user.jsonl`, written with `--jsonl`.
pub struct PerUser;

impl Exporter for PerUser {
    fn file_name(&self) -> &'static str {
        "per-user.jsonl"
    }
    fn when(&self) -> When {
        When::Jsonl
    }
    fn write(&self, r: &Report, w: &mut dyn Write) -> anyhow::Result<()> {
        write_per_user(r, w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_like_elastic_risk_scores() {
        let s = [
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .map(severity_number);
        assert!(s.windows(2).all(|w| w[0] > w[1]), "{s:?}");
    }

    #[test]
    fn primary_domain_prefers_literal_app_hosts() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let c = Catalogue::embedded(&psl).unwrap();
        assert_eq!(
            primary_domain(&c, "chatgpt").as_deref(),
            Some("chatgpt.com")
        );
        assert_eq!(primary_domain(&c, "no-such-tool"), None);
    }
}
