//! `shadowai report`: the reports of a window, from the `--state` database alone.

use super::has_data;
use super::render::{ReportOut, View, out_options};
use super::setup::{Setup, settings_command};
use crate::cli::ReportArgs;
use crate::config::Config;
use crate::exit::{Exit, UsageError};
use crate::state::State;

/// `shadowai report`: the outputs of a window, from the state alone.
pub fn run(args: ReportArgs) -> anyhow::Result<Exit> {
    crate::cli::check_window(args.since, args.until)?;
    let setup = Setup::load(&args.report)?;
    let render = setup.render(&args.report);
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
    let out = ReportOut::create(&config.out, out_options(&args.report, false))?;
    let view = View {
        days: args.window,
        since: args.since,
        until: args.until,
    };
    let files = state.all_files()?;
    // A state no scan has added data to yet: no report, as from a scan of no data.
    if !has_data(&files) {
        out.discard();
        eprintln!(
            "shadowai: {} holds no data yet; no report written ({} is as it was)",
            args.state.display(),
            args.out.display()
        );
        return Ok(Exit::Fatal);
    }
    let summary = render.write_window(&state, &view, files, config, out)?;
    if !args.quiet {
        summary.print();
    }
    Ok(setup.exit(Exit::Ok))
}
