//! `shadowai scan`: logs in; reports, a partial, or the `--state` database out.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::partial_out::PartialOut;
use super::render::{ReportOut, View, out_options};
use super::setup::{Setup, settings_command};
use super::{files_outcome, no_data, paths_text};
use crate::cli::ScanArgs;
use crate::config::Config;
use crate::exit::{Exit, UsageError};
use crate::identity::Identity;
use crate::input::{Found, Own};
use crate::partial::{self, Meta};
use crate::pipeline::{self, Context};
use crate::report::new_since;
use crate::state::{Fate, State};

/// `shadowai scan`.
pub fn run(args: ScanArgs) -> anyhow::Result<Exit> {
    crate::cli::check_window(args.since, args.until)?;
    let setup = Setup::load(&args.report)?;
    check_format(args.format.as_deref())?;
    let mut render = setup.render(&args.report);
    let identity = if args.identity.is_empty() {
        None
    } else {
        Some(Identity::read(&args.identity)?)
    };
    if let Some(id) = &identity {
        render.identity.clone_from(&id.files);
    }
    let (threads, quiet) = (args.threads, args.quiet);
    let out_options = out_options(&args.report, args.state.is_some());
    let identity_files: Vec<String> = args
        .identity
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let command_line = settings_command(
        args.since,
        args.until,
        args.keep_user_domain,
        &identity_files,
        &args.report,
    );
    let (state_path, window, retain) = (args.state.clone(), args.window, args.retain);
    let (emit, list_inputs) = (args.emit_partial.clone(), args.list_inputs);
    let inputs = input_paths(&args.paths, args.files_from.as_deref())?;
    let config = args.into_config(inputs, command_line);
    let own = own_outputs(&config, emit.as_deref(), state_path.as_deref());
    if list_inputs {
        let mut out = io::BufWriter::new(io::stdout().lock());
        for f in crate::input::inputs(&config.inputs, config.shard, &own) {
            match &f {
                Found::Skipped(p, why) => {
                    eprintln!("shadowai: {}: {why}", p.display());
                    continue;
                }
                // Listed, it could be handed to another task than its file and read twice.
                Found::Alias(p, of) => {
                    eprintln!(
                        "shadowai: {}: the same file as {}; not listed",
                        p.display(),
                        of.display()
                    );
                    continue;
                }
                _ => {}
            }
            out.write_all(crate::paths::to_bytes(f.path()))?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(Exit::Ok);
    }
    let sink = match &emit {
        Some(dest) => Sink::Partial(PartialOut::create(dest)?),
        None => Sink::Reports {
            state: state_path.as_deref().map(State::open).transpose()?,
            out: Box::new(ReportOut::create(&config.out, out_options)?),
        },
    };
    // With a state, everything is ingested; --since/--until bound only the report window.
    let (since, until) = (config.since, config.until);
    let config = if let Sink::Reports { state: Some(_), .. } = &sink {
        Config {
            since: None,
            until: None,
            ..config
        }
    } else {
        config
    };
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("starting worker threads")?;
    let bar = if config.progress && io::stderr().is_terminal() {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {eta}",
            )
            .context("progress template")?,
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let ctx = Context {
        identity: identity.as_ref(),
        config: &config,
        catalogue: &setup.catalogue,
        psl: &setup.psl,
        bar,
        own,
    };
    match sink {
        Sink::Reports {
            mut out,
            state: Some(state),
        } => {
            let started = Instant::now();
            let before = state.seen_pairs()?;
            let ingest = pipeline::ingest(&ctx, &state);
            // Judged before --retain ages days out: what this run read is in the state now.
            let news = render.news(&before, &state.seen_pairs()?);
            if let Some(days) = retain
                && let Some(latest) = state.latest_day()?
            {
                state.retain(latest.saturating_sub(i32::try_from(days).unwrap_or(i32::MAX) - 1))?;
            }
            // Exit::Fatal when nothing was read; the reports are rendered from the state all the
            // same, since its window stands without tonight's data.
            let exit = files_outcome(&ingest.files);
            let tally = |fate: Fate| ingest.fates.iter().filter(|f| **f == fate).count();
            let line = format!(
                "shadowai: {}: files {} new, {} grown, {} unchanged, {} duplicate, {} failed; {} new event(s); {:.1} s",
                state.path().display(),
                tally(Fate::New),
                tally(Fate::Grown),
                tally(Fate::Unchanged),
                tally(Fate::Duplicate),
                tally(Fate::Failed),
                ingest.events,
                started.elapsed().as_secs_f64()
            );
            // A state that holds no data yet (a first night on an empty folder) has nothing to
            // render: no report, as without a state.
            if !state.has_data()? {
                out.discard();
                let why = no_data(&ingest.files, &paths_text(&config.inputs))
                    .unwrap_or_else(|| "no data line was read".into());
                eprintln!(
                    "shadowai: {why}, and {} holds no data yet; no report written ({} is as it was)",
                    state.path().display(),
                    config.out.display()
                );
                eprintln!("{line}");
                return Ok(Exit::Fatal);
            }
            let view = View {
                days: window,
                since,
                until,
            };
            let news_out = out.news.take();
            let summary = render.write_window(&state, &view, ingest.files, config, *out)?;
            if let Some(staged) = news_out {
                staged.write(&news, &setup.catalogue)?;
            }
            eprintln!("{line}");
            if !quiet {
                summary.print();
                eprintln!("{}", new_since::summary_line(&news));
            }
            Ok(setup.exit(exit))
        }
        Sink::Reports { out, state: None } => {
            let result = pipeline::scan(&ctx);
            let exit = files_outcome(&result.files);
            // Not one data line (an empty folder, a mistyped path, a wrong --format): an empty
            // report would only replace the last good one, with a green headline.
            if let Some(why) = no_data(&result.files, &paths_text(&config.inputs)) {
                out.discard();
                eprintln!(
                    "shadowai: {why}; no report written ({} is as it was)",
                    config.out.display()
                );
                return Ok(Exit::Fatal);
            }
            let summary = render.write(&result, &config, identity.is_some(), *out)?;
            let skipped: u64 = result.files.iter().map(|f| f.skipped).sum();
            if skipped > 0 {
                eprintln!("shadowai: {skipped} malformed line(s) skipped; see summary.json");
            }
            if !quiet {
                summary.print();
            }
            let exit = setup.exit(exit);
            // The process ends next and its memory goes with it: freeing the aggregates and
            // the public suffix list piece by piece took 5 to 8 ms of a 3,000-person scan.
            std::mem::forget(result);
            std::mem::forget(setup);
            Ok(exit)
        }
        Sink::Partial(out) => {
            let result = pipeline::scan(&ctx);
            let meta = Meta {
                catalogue: Some(setup.catalogue.matching_digest()),
                since: config.since,
                until: config.until,
                keep_user_domain: config.keep_user_domain,
                identity: identity.as_ref().map(|id| id.files.clone()),
            };
            out.write(|w| partial::write_scan(&result, &setup.catalogue, &meta, w))?;
            // A partial carries its failed inputs to the report; it is complete all the same.
            Ok(match files_outcome(&result.files) {
                Exit::Ok => Exit::Ok,
                _ => Exit::Partial,
            })
        }
    }
}

/// What a scan makes of its inputs, chosen and created before any is read, so a bad path fails
/// at once.
enum Sink {
    /// The reports in `--out`: of this scan, or with `--state` of the database's window once the
    /// scan is added to it.
    Reports {
        out: Box<ReportOut>,
        state: Option<State>,
    },
    /// The partial aggregate for `merge` (`--emit-partial`).
    Partial(PartialOut),
}

/// What this run writes, left out of the input folders it lies in: the report folder (and,
/// when it is itself an input folder, the reports by name), the partial, and the `--state`
/// database with its lock and the side files SQLite keeps beside it.
fn own_outputs(config: &Config, partial: Option<&Path>, state: Option<&Path>) -> Own {
    let mut files = Vec::new();
    let dir = (!config.out.as_os_str().is_empty()).then(|| config.out.clone());
    if let Some(dir) = &dir {
        let names = crate::report::EXPORTERS.iter().map(|e| e.file_name());
        files.extend(
            names
                .chain(new_since::FILES)
                .chain([crate::report::pdf::FILE])
                .map(|name| dir.join(name)),
        );
    }
    files.extend(
        partial
            .filter(|p| *p != Path::new("-"))
            .map(Path::to_path_buf),
    );
    if let Some(db) = state {
        files.push(db.to_path_buf());
        for side in ["-wal", "-shm", "-journal", ".lock"] {
            let mut name = db.as_os_str().to_owned();
            name.push(side);
            files.push(PathBuf::from(name));
        }
    }
    Own { dir, files }
}

/// The paths given plus those listed in `--files-from` (one per line; `-` = standard input).
fn input_paths(paths: &[PathBuf], files_from: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = paths.to_vec();
    let Some(list) = files_from else {
        return Ok(out);
    };
    let mut text = Vec::new();
    if list == Path::new("-") {
        io::stdin().lock().read_to_end(&mut text)?;
    } else {
        text = std::fs::read(list)
            .map_err(|e| UsageError(format!("--files-from {}: {e}", list.display())))?;
    }
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if !line.is_empty() {
            out.push(crate::paths::from_bytes(line));
        }
    }
    Ok(out)
}

/// `--format NAME` names a known format: a built-in or one of the `--format-file`s (loaded by
/// then), so the check waits until they are.
fn check_format(name: Option<&str>) -> anyhow::Result<()> {
    match name {
        Some(n) if crate::formats::by_name(n).is_none() => {
            let known: Vec<&str> = crate::formats::all().map(|f| f.name()).collect();
            Err(UsageError(format!(
                "--format {n}: no such format (known: {}; a user-defined one needs its --format-file)",
                known.join(", ")
            ))
            .into())
        }
        _ => Ok(()),
    }
}
