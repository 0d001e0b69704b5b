//! Writes a large, realistic, deterministic log to stdout for benchmarks (see
//! `benches/compare.sh`): `cargo run --release --example generate -- squid 1500000 [SEED]`.
//! Formats: `squid`, `zeek-dns`, `bind-query`. `ai-hosts` prints the AI hosts it uses, one
//! per line (the pattern list for `rg -F -f`).

#[path = "../tests/generate.rs"]
mod generate;

use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let format = args.first().map_or("squid", String::as_str);
    let lines: usize = args
        .get(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_500_000);
    let seed: u64 = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1);
    let mut out = BufWriter::new(std::io::stdout().lock());
    if format == "ai-hosts" {
        for (host, _) in generate::AI_HOSTS.iter().chain(generate::INCIDENTAL_HOSTS) {
            writeln!(out, "{host}")?;
        }
        return out.flush();
    }
    let mut rng = generate::Rng::new(seed);
    let mut truth = generate::Truth::new();
    const BATCH: usize = 10_000;
    let mut written = 0;
    while written < lines {
        let n = BATCH.min(lines - written);
        let text = match format {
            "squid" => generate::squid(&mut rng, n, &mut truth),
            "zeek-dns" => generate::zeek_dns(&mut rng, n, &mut truth),
            "bind-query" => generate::bind(&mut rng, n, &mut truth),
            other => {
                eprintln!(
                    "generate: unknown format {other} (squid, zeek-dns, bind-query, ai-hosts)"
                );
                std::process::exit(2);
            }
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
    out.flush()
}
