//! Criterion benchmarks: every parser (bytes/s on its sample), the host matcher, aggregation
//! (events/s on the org workload's matched events, and merging worker aggregates), and the
//! whole scan pipeline (parse + match + aggregate) on the org workload (`generate::org`,
//! 200,000 Squid lines from 3,000 and from 30,000 people).
//! Run: `cargo bench`. For whole-process comparisons with zcat, ripgrep and DuckDB see
//! `benches/compare.sh`.

#[path = "../tests/generate.rs"]
mod generate;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use shadowai::aggregate::Agg;
use shadowai::config::Config;
use shadowai::discovery::load_psl;
use shadowai::event::Parsed;
use shadowai::formats;
use shadowai::normalize;
use shadowai::partial::{Meta, Partial, write_scan};
use shadowai::pipeline::{Context, scan};
use shadowai::signatures::{Catalogue, Evidence, ToolId};

fn parsers(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    // Every registered format on its own sample, repeated to about 1 MiB (header lines once
    // per copy, as in concatenated rotations): a new format is benchmarked without a new line.
    for format in formats::FORMATS {
        let sample = format.sample();
        let text = sample.repeat((1 << 20) / sample.len().max(1) + 1);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format.name(), |b| {
            b.iter(|| {
                let mut p = format.new_parser();
                let mut events = 0u64;
                for line in text.as_bytes().split(|&c| c == b'\n') {
                    if let Ok(Parsed::Event(_)) = p.parse(line) {
                        events += 1;
                    }
                }
                events
            })
        });
    }
    group.finish();
}

/// The matched events of the org workload (3,000 people), as the scan would aggregate them:
/// (normalized user, or the client address; tool, an index into the org hosts; time).
fn org_events(lines: usize) -> Vec<(Vec<u8>, ToolId, i64)> {
    let mut text = Vec::new();
    generate::org(3_000, lines, 1, &mut text).unwrap();
    let tools: std::collections::HashMap<&str, ToolId> = generate::ORG_TOOLS
        .iter()
        .chain(generate::ORG_INCIDENTAL)
        .enumerate()
        .map(|(i, (host, _))| (*host, i as ToolId))
        .collect();
    let (mut host, mut user) = (Vec::new(), Vec::new());
    text.split(|&c| c == b'\n')
        .filter_map(|line| {
            let f: Vec<&[u8]> = line
                .split(|&c| c == b' ')
                .filter(|f| !f.is_empty())
                .collect();
            normalize::lowercase_into(&mut host, normalize::host_part(f.get(6)?));
            let tool = *tools.get(std::str::from_utf8(&host).ok()?)?;
            match f[7] {
                b"-" => normalize::lowercase_into(&mut user, f[2]),
                u => normalize::user_into(&mut user, u, false),
            }
            let ts = std::str::from_utf8(f[0])
                .ok()?
                .split('.')
                .next()?
                .parse()
                .ok()?;
            Some((user.clone(), tool, ts))
        })
        .collect()
}

fn aggregation(c: &mut Criterion) {
    let events = org_events(400_000);
    let mut group = c.benchmark_group("aggregate");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("add_usage", |b| {
        b.iter(|| {
            let mut agg = Agg::default();
            for (user, tool, ts) in &events {
                agg.usage
                    .add(user, *tool, Some(*ts), Some(100), Evidence::Use);
            }
            agg.usage.len()
        })
    });
    group.bench_function("merge", |b| {
        // Four workers' aggregates, each of a quarter of the events in log order.
        let parts: Vec<Agg> = events
            .chunks(events.len().div_ceil(4))
            .map(|chunk| {
                let mut agg = Agg::default();
                for (user, tool, ts) in chunk {
                    agg.usage.add(user, *tool, Some(*ts), None, Evidence::Use);
                }
                agg
            })
            .collect();
        b.iter_batched(
            || {
                parts
                    .iter()
                    .map(|a| Agg {
                        usage: a.usage.clone(),
                        ..Agg::default()
                    })
                    .collect::<Vec<_>>()
            },
            |parts| {
                let mut total = Agg::default();
                for p in parts {
                    total.merge(p);
                }
                total.usage.len()
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn matcher(c: &mut Criterion) {
    let psl = load_psl(None).unwrap();
    let catalogue = Catalogue::embedded(&psl).unwrap();
    let hosts: Vec<&str> = generate::AI_HOSTS
        .iter()
        .chain(generate::INCIDENTAL_HOSTS)
        .map(|(h, _)| *h)
        .chain(generate::OTHER_HOSTS.iter().copied())
        .chain([
            "us-central1-aiplatform.googleapis.com",
            "bedrock-runtime.eu-west-1.amazonaws.com",
            "a.b.c.d.example.org",
        ])
        .collect();
    let mut group = c.benchmark_group("match");
    group.throughput(Throughput::Elements(hosts.len() as u64));
    group.bench_function("find_host", |b| {
        let mut buf = Vec::new();
        b.iter(|| {
            hosts
                .iter()
                .filter(|h| {
                    normalize::lowercase_into(&mut buf, normalize::host_part(h.as_bytes()));
                    catalogue.find_host(&buf).is_some()
                })
                .count()
        })
    });
    group.finish();
}

/// Lines of each org log the whole-scan benchmark reads: small enough for `cargo bench`;
/// `benches/compare.sh` measures the full 1.5 M lines.
const ORG_LINES: usize = 200_000;

fn pipeline(c: &mut Criterion) {
    let psl = load_psl(None).unwrap();
    let catalogue = Catalogue::embedded(&psl).unwrap();
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    let mut configs = Vec::new();
    for people in [3_000, 30_000] {
        let dir = tempfile::tempdir().unwrap();
        let mut text = Vec::new();
        generate::org(people, ORG_LINES, 1, &mut text).unwrap();
        std::fs::write(dir.path().join("access.log"), &text).unwrap();
        let mut config =
            Config::render(dir.path().join("unused"), None, None, false, String::new());
        config.inputs = vec![dir.path().to_path_buf()];
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("scan_org_{people}_people"), |b| {
            b.iter(|| scan(&context(&config, &catalogue, &psl)).files.len())
        });
        configs.push((dir, config));
    }
    group.finish();
    let (_dir, mut config) = configs.swap_remove(0);
    // Partials: the same scan written as a partial, and partials read back and merged (the
    // reduce step), in partial bytes per second.
    config.partial = true;
    let result = scan(&context(&config, &catalogue, &psl));
    let meta = Meta::default();
    let mut text = Vec::new();
    write_scan(&result, &catalogue, &meta, &mut text).unwrap();
    let mut group = c.benchmark_group("partial");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("emit", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(text.len());
            write_scan(&result, &catalogue, &meta, &mut out).unwrap();
            out.len()
        })
    });
    // Without its `file` records (an input may be merged once), the partial read twice: every
    // record of the second read combines with one of the first.
    let counters: Vec<u8> = text
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| !l.starts_with(b"1\tfile\t"))
        .flatten()
        .copied()
        .collect();
    group.bench_function("read_and_combine", |b| {
        b.iter(|| {
            let mut p = Partial::default();
            p.read("a", &counters[..]).unwrap();
            p.read("b", &counters[..]).unwrap();
            p
        })
    });
    group.finish();
}

/// A scan's context without identity or progress bar.
fn context<'a>(
    config: &'a Config,
    catalogue: &'a Catalogue,
    psl: &'a publicsuffix::List,
) -> Context<'a> {
    Context {
        config,
        catalogue,
        psl,
        bar: indicatif::ProgressBar::hidden(),
        identity: None,
        own: Default::default(),
    }
}

criterion_group!(benches, parsers, matcher, aggregation, pipeline);
criterion_main!(benches);
