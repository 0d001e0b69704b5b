//! `shadowai merge`: partial aggregates in; reports, one partial, or the `--state` database out.

use std::path::Path;

use super::partial_out::PartialOut;
use super::render::{ReportOut, View, out_options};
use super::setup::{Setup, settings_command};
use super::{files_outcome, no_data};
use crate::cli::MergeArgs;
use crate::config::Config;
use crate::exit::{Exit, UsageError};
use crate::identity::Identity;
use crate::partial::{self, Partial};
use crate::report::new_since::summary_line;
use crate::state::State;

/// `shadowai merge`: partials in, reports (or one partial, or the state) out.
pub fn run(args: MergeArgs) -> anyhow::Result<Exit> {
    // Given whenever --emit-partial is not (clap requires one of them).
    let out_dir = args.out.clone().unwrap_or_default();
    // Before reading anything, so a bad --out or --emit-partial fails at once. Rendering needs
    // the catalogue and register: loaded before the partials are read too, so a bad register
    // fails at once. A merge into a partial needs neither.
    let sink = match &args.emit_partial {
        Some(dest) => Sink::Partial(PartialOut::create(dest)?),
        None => Sink::Reports {
            out: ReportOut::create(&out_dir, out_options(&args.report, args.state.is_some()))?,
            setup: Box::new(Setup::load(&args.report)?),
        },
    };
    let mut partial = Partial::default();
    for p in &args.partials {
        let name = if p == Path::new("-") {
            "<stdin>".to_string()
        } else {
            p.display().to_string()
        };
        partial.read(&name, partial::open(p)?)?;
    }
    let meta = partial.meta();
    // `FILE:LINE: ` of the record a setting came from, for the messages that refuse it.
    let at = |name: &str| {
        partial
            .meta_origin(name)
            .map(|at| format!("{at}: "))
            .unwrap_or_default()
    };
    let identity = if args.identity.is_empty() {
        None
    } else {
        if meta.identity.is_some() {
            return Err(UsageError(format!(
                "{}these partials were scanned with --identity already; merge cannot name their users again (give --identity to the scans or to merge, not both)",
                at("identity")
            ))
            .into());
        }
        Some(Identity::read(&args.identity)?)
    };
    // The identity files with their hashes: read by this merge, or applied by the scans.
    let identity_hashed = match (&identity, &meta.identity) {
        (Some(id), _) => id.files.clone(),
        (None, Some(files)) => files.clone(),
        (None, None) => Vec::new(),
    };
    let identity_files: Vec<String> = identity_hashed.iter().map(|f| f.path.clone()).collect();
    let (out, setup) = match sink {
        Sink::Partial(out) => {
            if let Some(id) = &identity {
                partial.resolve(Some(id));
            }
            partial.cap_seen();
            out.write(|w| partial.write(w))?;
            return Ok(Exit::Ok);
        }
        Sink::Reports { out, setup } => (out, setup),
    };
    let ours = setup.catalogue.matching_digest();
    if let Some(digest) = meta.catalogue.as_ref().filter(|d| **d != ours) {
        return Err(UsageError(format!(
            "{}the partials were matched with catalogue {digest}, this merge has {ours}: give merge the same --signatures and --register (its domains) as the scans",
            at("catalogue")
        ))
        .into());
    }
    partial.resolve(identity.as_ref());
    let scan = partial.into_scan(&setup.catalogue)?;
    // As a scan of the same inputs ends: Exit::Fatal when every input of the partials had
    // failed before its first line.
    let exit = files_outcome(&scan.files);
    let mut render = setup.render(&args.report);
    render.identity = identity_hashed
        .into_iter()
        .filter(|f| !f.sha256.is_empty())
        .collect();
    let command_line = settings_command(
        meta.since,
        meta.until,
        meta.keep_user_domain,
        &identity_files,
        &args.report,
    );
    let config = Config::render(
        out_dir,
        meta.since,
        meta.until,
        meta.keep_user_domain,
        command_line,
    );
    if let Some(path) = &args.state {
        let state = State::open(path)?;
        let before = state.seen_pairs()?;
        let added = state.commit_merge(&scan.files, &scan.agg, &setup.catalogue)?;
        let news = render.news(&before, &state.seen_pairs()?);
        let mut out = out;
        if let Some(staged) = out.news.take() {
            staged.write(&news, &setup.catalogue)?;
        }
        if !added {
            eprintln!(
                "shadowai: {}: every input of these partials is in the state already; nothing added",
                path.display()
            );
        }
        let view = View {
            days: args.window,
            since: None,
            until: None,
        };
        if !state.has_data()? {
            out.discard();
            let why = no_data(&scan.files, "these partials")
                .unwrap_or_else(|| "no data line was merged".into());
            eprintln!(
                "shadowai: {why}, and {} holds no data yet; no report written ({} is as it was)",
                path.display(),
                config.out.display()
            );
            return Ok(Exit::Fatal);
        }
        let files = state.all_files()?;
        let summary = render.write_window(&state, &view, files, config, out)?;
        if !args.quiet {
            summary.print();
            eprintln!("{}", summary_line(&news));
        }
        return Ok(setup.exit(exit));
    }
    // As a scan of the same inputs: no report from no data.
    if let Some(why) = no_data(&scan.files, "these partials") {
        out.discard();
        eprintln!(
            "shadowai: {why}; no report written ({} is as it was)",
            config.out.display()
        );
        return Ok(Exit::Fatal);
    }
    let summary = render.write(&scan, &config, !identity_files.is_empty(), out)?;
    if !args.quiet {
        summary.print();
    }
    Ok(setup.exit(exit))
}

/// What a merge makes of its partials, chosen and created before any is read.
enum Sink {
    /// The reports in `--out` (of the merged partials, or with `--state` of its window), and
    /// what they are built with.
    Reports { out: ReportOut, setup: Box<Setup> },
    /// One partial (`--emit-partial`): a reduce step, which needs no catalogue.
    Partial(PartialOut),
}
