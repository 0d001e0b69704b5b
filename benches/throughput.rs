//! Criterion benchmarks: every parser (bytes/s on its sample), the host matcher, aggregation
//! (events/s, and merging worker aggregates), and the whole scan pipeline (parse + match +
//! aggregate) on a generated folder.
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

fn aggregation(c: &mut Criterion) {
    let users: Vec<Vec<u8>> = (0..2_000)
        .map(|i| format!("user{i:04}").into_bytes())
        .collect();
    let mut group = c.benchmark_group("aggregate");
    const EVENTS: u64 = 100_000;
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function("add_usage", |b| {
        b.iter(|| {
            let mut agg = Agg::default();
            let mut rng = generate::Rng::new(3);
            for _ in 0..EVENTS {
                let user = &users[rng.below(users.len())];
                let ts = 1_794_182_400 + (rng.next() % (14 * 86_400)) as i64;
                agg.add_usage(
                    user,
                    rng.below(40) as ToolId,
                    Some(ts),
                    Some(100),
                    Evidence::Use,
                );
            }
            agg.usage.len()
        })
    });
    group.bench_function("merge", |b| {
        let mut parts = Vec::new();
        let mut rng = generate::Rng::new(4);
        for _ in 0..4 {
            let mut agg = Agg::default();
            for _ in 0..EVENTS / 4 {
                let user = &users[rng.below(users.len())];
                agg.add_usage(
                    user,
                    rng.below(40) as ToolId,
                    Some(1_794_182_400 + (rng.next() % 1_209_600) as i64),
                    None,
                    Evidence::Use,
                );
            }
            parts.push(agg);
        }
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

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    generate::write_logs(dir.path(), 40_000, 9);
    let bytes: u64 = walk_size(dir.path());
    let psl = load_psl(None).unwrap();
    let catalogue = Catalogue::embedded(&psl).unwrap();
    let mut config = Config::render(dir.path().join("unused"), None, None, false, String::new());
    config.inputs = vec![dir.path().to_path_buf()];
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("scan_generated_folder", |b| {
        b.iter(|| scan(&context(&config, &catalogue, &psl)).files.len())
    });
    group.finish();
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

fn walk_size(dir: &std::path::Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

criterion_group!(benches, parsers, matcher, aggregation, pipeline);
criterion_main!(benches);
