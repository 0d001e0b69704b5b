//! `shadowai digest`: one small Markdown and CSV file per manager (or department), ready to
//! mail, from an audit's `per-user.csv` and `findings.csv` (written with `--directory`).
//!
//! Each file holds only the people whose row names that manager: a digest is mailed, so one
//! that listed another team's people would leak them. Names come from the directory and the
//! logs, so they are treated as hostile: file names are a slug of the manager (ASCII letters
//! and digits, at most 40) plus a hash of the exact name, so no name can climb out
//! of `--out`, and two managers whose slugs agree (`Bob Smith`, `bob.smith`) still get their
//! own files; Markdown cells are escaped, CSV cells neutralized. People without a manager go
//! to one `(no manager)` digest, for whoever runs the audit, rather than being dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;

use crate::cli::{DigestArgs, DigestBy};
use crate::exit::{Exit, UsageError};
use crate::hash::{FNV1A_START, fnv1a};
use crate::policy::{Rule, Tier};
use crate::report::csv_out::CsvWriter;
use crate::report::markdown::escape;

/// Characters of the manager's name kept in a file name.
const SLUG_LEN: usize = 40;

/// One CSV row, column → value.
type Row = BTreeMap<String, String>;

/// The rows of `OUT/name`, refused (exit 2, naming the file) when it cannot be read or lacks
/// one of `needed`.
fn read(dir: &Path, name: &str, needed: &[&str]) -> anyhow::Result<Vec<Row>> {
    let path = dir.join(name);
    let mut rdr = csv::Reader::from_path(&path)
        .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
    let headers = rdr
        .headers()
        .map_err(|e| UsageError(format!("{}:1: {e}", path.display())))?
        .clone();
    for col in needed {
        if !headers.iter().any(|h| h == *col) {
            return Err(UsageError(format!(
                "{}:1: no `{col}` column: digests need an audit written with --directory",
                path.display()
            ))
            .into());
        }
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            UsageError(format!("{}:{line}: {e}", path.display()))
        })?;
        rows.push(
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        );
    }
    Ok(rows)
}

fn get<'r>(row: &'r Row, col: &str) -> &'r str {
    row.get(col).map_or("", String::as_str)
}

/// The file name (without extension) of a group's digest: slug and hash of the exact name.
fn file_stem(group: &str) -> String {
    let mut slug = String::new();
    for c in group.chars() {
        if slug.len() >= SLUG_LEN {
            break;
        }
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    let slug = if slug.is_empty() { "group" } else { slug };
    let hash = fnv1a(FNV1A_START, group.as_bytes());
    format!("{slug}-{:08x}", hash >> 32)
}

/// One digest: a group's people, their tools and findings.
#[derive(Default)]
struct Group<'r> {
    people: BTreeSet<&'r str>,
    /// (tier, tool) → (people, events).
    tools: BTreeMap<(u8, &'r str), (BTreeSet<&'r str>, u64)>,
    findings: Vec<&'r Row>,
}

/// `shadowai digest`.
pub fn run(args: DigestArgs) -> anyhow::Result<Exit> {
    let col = args.by.column();
    let per_user = read(
        &args.from,
        "per-user.csv",
        &["user", "tool", "tier", "events", col],
    )?;
    let findings = read(&args.from, "findings.csv", &["user", "rule", col])?;
    let none = match args.by {
        DigestBy::Manager => "(no manager)",
        DigestBy::Department => "(no department)",
    };
    let key = |row: &Row| -> String {
        match get(row, col) {
            "" => none.to_string(),
            v => v.to_string(),
        }
    };
    if per_user.iter().all(|r| get(r, col).is_empty()) && !per_user.is_empty() {
        return Err(UsageError(format!(
            "{}: no row names a {col}: was the audit run with --directory?",
            args.from.join("per-user.csv").display()
        ))
        .into());
    }
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    // Contact without use (`evidence=incidental`) is nobody's use of a tool: a manager is
    // not told about a shared link their person opened.
    for row in per_user
        .iter()
        .filter(|r| get(r, "evidence") != "incidental")
    {
        let g = groups.entry(key(row)).or_default();
        g.people.insert(get(row, "user"));
        let tier = get(row, "tier").parse::<u8>().unwrap_or(4);
        let t = g.tools.entry((tier, get(row, "tool"))).or_default();
        t.0.insert(get(row, "user"));
        t.1 += get(row, "events").parse::<u64>().unwrap_or(0);
    }
    // Register findings name no person: they are the register owner's, not a team's.
    for row in findings.iter().filter(|r| !get(r, "user").is_empty()) {
        groups.entry(key(row)).or_default().findings.push(row);
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let mut index = CsvWriter::new(Vec::new());
    index.text_row([col, "people", "findings", "markdown", "csv"])?;
    for (name, g) in &groups {
        let stem = file_stem(name);
        let (md, csv) = (format!("{stem}.md"), format!("{stem}.csv"));
        crate::atomic::write(&args.out.join(&md), markdown(name, args.by, g).as_bytes())?;
        crate::atomic::write(&args.out.join(&csv), &findings_csv(g)?)?;
        index.text_row([
            name.as_str(),
            &g.people.len().to_string(),
            &g.findings.len().to_string(),
            &md,
            &csv,
        ])?;
    }
    crate::atomic::write(&args.out.join("index.csv"), &index.into_inner()?)?;
    let without = groups.get(none).map_or(0, |g| g.people.len());
    eprintln!(
        "shadowai: {} digest(s) in {} (index.csv lists them); {without} person(s) without a {col} are in the `{none}` digest",
        groups.len(),
        args.out.display()
    );
    Ok(Exit::Ok)
}

/// The policy clause a finding breaks, from its rule name.
fn clause(rule: &str) -> &'static str {
    Rule::by_name(rule).map_or("(a rule this shadowai does not know)", Rule::clause)
}

fn markdown(name: &str, by: DigestBy, g: &Group) -> String {
    let e = |s: &str| escape(s).into_owned();
    let mut s = format!(
        "# AI tool use: {} ({})\n\n{} person(s), {} finding(s).\n\n## Findings\n\n",
        e(name),
        by.column(),
        g.people.len(),
        g.findings.len()
    );
    if g.findings.is_empty() {
        s.push_str("No findings.\n\n");
    } else {
        s.push_str("| Person | Severity | Rule | Tool | Tier | Events | Uploaded bytes | Last seen | Policy clause |\n|---|---|---|---|---|---|---|---|---|\n");
        for f in &g.findings {
            let cells = [
                get(f, "user"),
                get(f, "severity"),
                get(f, "rule"),
                get(f, "tool"),
                get(f, "tier"),
                get(f, "events"),
                get(f, "bytes_out"),
                get(f, "last_seen"),
                clause(get(f, "rule")),
            ];
            s.push('|');
            for c in cells {
                s.push(' ');
                s.push_str(&e(c));
                s.push_str(" |");
            }
            s.push('\n');
        }
        s.push('\n');
    }
    s.push_str("## Tools by tier\n\n| Tier | Tool | People | Events |\n|---|---|---|---|\n");
    // Most restricted tier first: what the manager must act on.
    for ((tier, tool), (people, events)) in g.tools.iter().rev() {
        let label = Tier::from_number(*tier).map_or_else(|| tier.to_string(), Tier::label);
        s.push_str(&format!(
            "| {} | {} | {} | {events} |\n",
            e(&label),
            e(tool),
            people.len()
        ));
    }
    s
}

fn findings_csv(g: &Group) -> anyhow::Result<Vec<u8>> {
    const COLS: [&str; 13] = [
        "user",
        "department",
        "manager",
        "severity",
        "rule",
        "tool_id",
        "tool",
        "tier",
        "events",
        "bytes_out",
        "first_seen",
        "last_seen",
        "detail",
    ];
    let mut w = CsvWriter::new(Vec::new());
    w.text_row(COLS.iter().copied().chain(["policy_clause"]))?;
    for f in &g.findings {
        w.text_row(
            COLS.iter()
                .map(|c| get(f, c))
                .chain([clause(get(f, "rule"))]),
        )?;
    }
    w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_make_inert_distinct_file_names() {
        for name in ["../../etc/passwd", "..", "/", "C:\\x", "a\0b", "ü", ""] {
            let stem = file_stem(name);
            assert!(
                stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
                "{name:?} → {stem}"
            );
            assert!(!stem.starts_with('-') && !stem.contains(".."));
        }
        assert_eq!(file_stem("../../etc/passwd").split('-').next(), Some("etc"));
        assert_ne!(file_stem("Bob Smith"), file_stem("bob.smith"));
        assert!(file_stem("Bob Smith").starts_with("bob-smith-"));
        assert!(file_stem(&"x".repeat(500)).len() <= SLUG_LEN + 9);
    }
}
