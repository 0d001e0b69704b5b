//! `shadowai merge`: partial aggregates in; reports, one partial, or the `--state` database out.

use std::path::Path;

use anyhow::Context as _;

use super::files_outcome;
use super::partial_out::PartialOut;
use super::render::{View, render_state};
use super::setup::{Setup, settings_command};
use crate::cli::MergeArgs;
use crate::config::Config;
use crate::exit::{Exit, UsageError};
use crate::identity::Identity;
use crate::partial::{self, Partial};
use crate::report::{Outputs, Report};
use crate::state::State;

/// `shadowai merge`: partials in, reports (or one partial, or the state) out.
pub fn run(args: MergeArgs) -> anyhow::Result<Exit> {
    // Before reading anything, so a bad --out or --emit-partial fails at once.
    let outputs = args.out.as_deref().map(Outputs::create).transpose()?;
    let partial_out = args
        .emit_partial
        .as_deref()
        .map(PartialOut::create)
        .transpose()?;
    let jsonl = match (&args.out, args.report.jsonl) {
        (Some(out), true) => Some(crate::report::jsonl::Pending::create(out)?),
        _ => None,
    };
    // Rendering needs the catalogue and register: loaded before the partials are read, so a
    // bad register fails at once. A merge into a partial needs neither.
    let setup = outputs
        .is_some()
        .then(|| Setup::load(&args.report))
        .transpose()?;
    let mut partial = Partial::default();
    for p in &args.partials {
        let name = if p == Path::new("-") {
            "<stdin>".to_string()
        } else {
            p.display().to_string()
        };
        partial.read(&name, partial::open(p)?)?;
    }
    let meta = partial.meta()?;
    let identity = if args.identity.is_empty() {
        None
    } else {
        if meta.identity.is_some() {
            return Err(UsageError(
                "these partials were scanned with --identity already; merge cannot name their users again (give --identity to the scans or to merge, not both)".into(),
            )
            .into());
        }
        Some(Identity::read(&args.identity)?)
    };
    let identity_files: Vec<String> = match &meta.identity {
        Some(files) => files.clone(),
        None => args
            .identity
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
    };
    if let Some(out) = partial_out {
        if let Some(id) = &identity {
            partial.resolve(Some((id, &identity_files)));
        }
        partial.cap_seen();
        out.write(|w| partial.write(w))?;
        return Ok(Exit::Ok);
    }
    let setup = setup.context("internal error: no catalogue")?;
    let ours = setup.catalogue.matching_digest();
    if let Some(digest) = meta.catalogue.as_ref().filter(|d| **d != ours) {
        return Err(UsageError(format!(
            "the partials were matched with catalogue {digest}, this merge has {ours}: give merge the same --signatures and --register (its domains) as the scans"
        ))
        .into());
    }
    partial.resolve(identity.as_ref().map(|id| (id, identity_files.as_slice())));
    let scan = partial.into_scan(&setup.catalogue)?;
    let exit = files_outcome(&scan.files);
    let policy = setup.policy(&args.report);
    let command_line = settings_command(
        meta.since,
        meta.until,
        meta.keep_user_domain,
        &identity_files,
        &args.report,
    );
    let out = args.out.clone().unwrap_or_default();
    let config = Config::render(
        out,
        meta.since,
        meta.until,
        meta.keep_user_domain,
        command_line,
    );
    let outputs = outputs.context("internal error: no outputs")?;
    if let Some(path) = &args.state {
        let state = State::open(path)?;
        let added = state.commit_merge(&scan.files, &scan.agg, &setup.catalogue)?;
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
        let files = state.all_files()?;
        render_state(
            &state,
            &setup.catalogue,
            &policy,
            &setup.users,
            config,
            &view,
            files,
            outputs,
            jsonl,
        )?;
        return Ok(exit);
    }
    let mut report = Report::build(&scan, &setup.catalogue, &config, &policy, &setup.users);
    report.identity_used = !identity_files.is_empty();
    outputs.write(&report)?;
    if let Some(jsonl) = jsonl {
        jsonl.write(&report)?;
    }
    Ok(exit)
}
