//! `shadowai report`: the reports of a window, from the `--state` database alone.

use super::render::{View, render_state};
use super::setup::{Setup, settings_command};
use crate::cli::ReportArgs;
use crate::config::Config;
use crate::exit::{Exit, UsageError};
use crate::report::Outputs;
use crate::state::State;

/// `shadowai report`: the outputs of a window, from the state alone.
pub fn run(args: ReportArgs) -> anyhow::Result<Exit> {
    let setup = Setup::load(&args.report)?;
    let Setup {
        catalogue, users, ..
    } = &setup;
    let policy = setup.policy(&args.report);
    // Opening would create an empty database: a mistyped path must fail instead.
    if !args.state.is_file() {
        return Err(UsageError(format!(
            "{}: no such state database (written by `scan --state`)",
            args.state.display()
        ))
        .into());
    }
    let state = State::open(&args.state)?;
    let command_line = settings_command(args.since, args.until, false, &[], &args.report);
    let config = Config::render(args.out.clone(), None, None, false, command_line);
    let outputs = Outputs::create(&config.out)?;
    let jsonl = args
        .report
        .jsonl
        .then(|| crate::report::jsonl::Pending::create(&config.out))
        .transpose()?;
    let view = View {
        days: args.window,
        since: args.since,
        until: args.until,
    };
    let files = state.all_files()?;
    render_state(
        &state, catalogue, &policy, users, config, &view, files, outputs, jsonl,
    )?;
    Ok(Exit::Ok)
}
