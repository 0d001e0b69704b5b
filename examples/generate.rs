//! Writes a large, realistic, deterministic log to stdout for benchmarks (see
//! `benches/compare.sh`).
//!
//! ```text
//! generate org [LINES] [SEED] [--people N] [--truth FILE]
//! generate squid|zeek-dns|bind-query [LINES] [SEED]
//! generate org-hosts [--tools]
//! generate ai-hosts
//! ```
//!
//! `org` is the benchmark workload (issue 15): LINES Squid lines (default 1,500,000) from N
//! people (default 3,000) over 14 days; `--truth FILE` also writes its ground truth there as
//! CSV, `user,tool_id,events`, sorted. `squid` (5 users, 8 tools), `zeek-dns` and
//! `bind-query` are micro-cases. `org-hosts` prints the org workload's AI hosts, one per line
//! (the pattern list for `rg -F -f`), or with `--tools` as `host,tool_id` CSV (the table the
//! DuckDB comparison joins); `ai-hosts` prints the micro-cases' AI hosts.

#[path = "../tests/generate.rs"]
mod generate;

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let people = take_option(&mut args, "--people")
        .map(|n| parse(&n, "--people"))
        .unwrap_or(3_000);
    let truth_file = take_option(&mut args, "--truth");
    let tools = take_flag(&mut args, "--tools");
    let format = args.first().map_or("squid", String::as_str);
    let lines = args.get(1).map_or(1_500_000, |n| parse(n, "LINES"));
    let seed = args.get(2).map_or(1, |n| parse(n, "SEED") as u64);
    let mut out = BufWriter::new(std::io::stdout().lock());
    match format {
        "ai-hosts" => {
            for (host, _) in generate::AI_HOSTS.iter().chain(generate::INCIDENTAL_HOSTS) {
                writeln!(out, "{host}")?;
            }
        }
        "org-hosts" => {
            if tools {
                writeln!(out, "host,tool_id")?;
            }
            for (host, tool) in generate::ORG_TOOLS.iter().chain(generate::ORG_INCIDENTAL) {
                if tools {
                    writeln!(out, "{host},{tool}")?;
                } else {
                    writeln!(out, "{host}")?;
                }
            }
        }
        "org" => {
            let truth = generate::org(people, lines, seed, &mut out)?;
            if let Some(path) = truth_file {
                let mut csv = BufWriter::new(std::fs::File::create(path)?);
                writeln!(csv, "user,tool_id,events")?;
                for ((user, tool), events) in truth {
                    writeln!(csv, "{user},{tool},{events}")?;
                }
                csv.flush()?;
            }
        }
        "squid" | "zeek-dns" | "bind-query" => micro(format, lines, seed, &mut out)?,
        other => usage(&format!("unknown format {other}")),
    }
    out.flush()
}

/// The micro-cases, generated in batches.
fn micro(format: &str, lines: usize, seed: u64, out: &mut impl Write) -> std::io::Result<()> {
    let mut rng = generate::Rng::new(seed);
    let mut truth = generate::Truth::new();
    const BATCH: usize = 10_000;
    let mut written = 0;
    while written < lines {
        let n = BATCH.min(lines - written);
        let text = match format {
            "squid" => generate::squid(&mut rng, n, &mut truth),
            "zeek-dns" => generate::zeek_dns(&mut rng, n, &mut truth),
            _ => generate::bind(&mut rng, n, &mut truth),
        };
        for line in text.lines() {
            // Zeek's header belongs once, at the top.
            if written > 0 && line.starts_with('#') {
                continue;
            }
            writeln!(out, "{line}")?;
        }
        written += n;
    }
    Ok(())
}

/// Removes `--name VALUE` (or `--name=VALUE`) from `args` and returns the value.
fn take_option(args: &mut Vec<String>, name: &str) -> Option<String> {
    let i = args
        .iter()
        .position(|a| a == name || a.starts_with(&format!("{name}=")))?;
    let arg = args.remove(i);
    match arg.split_once('=') {
        Some((_, v)) => Some(v.to_string()),
        None if i < args.len() => Some(args.remove(i)),
        None => usage(&format!("{name} needs a value")),
    }
}

fn take_flag(args: &mut Vec<String>, name: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != name);
    args.len() != before
}

fn parse(n: &str, what: &str) -> usize {
    n.parse()
        .unwrap_or_else(|_| usage(&format!("{what}: not a number: {n}")))
}

fn usage(problem: &str) -> ! {
    eprintln!(
        "generate: {problem}\nusage: generate org [LINES] [SEED] [--people N] [--truth FILE]\n       \
         generate squid|zeek-dns|bind-query [LINES] [SEED]\n       generate org-hosts [--tools] | ai-hosts"
    );
    std::process::exit(2);
}
