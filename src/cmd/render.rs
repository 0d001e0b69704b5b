//! Rendering the reports of a `--state` window (`scan --state`, `report`, `merge --state`).

use crate::aggregate::{self, Agg, FileStats};
use crate::config::Config;
use crate::exit::UsageError;
use crate::findings::Policy;
use crate::pipeline::Scan;
use crate::pseudonym::Users;
use crate::report::jsonl::Pending;
use crate::report::{Outputs, Report};
use crate::signatures::Catalogue;
use crate::state::State;
use crate::time::{day_of, fmt_day};

/// The report window asked for with `--state`: `days` ending at the latest day with data, or
/// `--since`/`--until` (whole days: the state keeps days, not seconds).
pub(super) struct View {
    pub days: u32,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// Renders every output from the state for the window, through the same
/// [`Report::build`] as an in-memory scan.
#[allow(clippy::too_many_arguments)]
pub(super) fn render_state(
    state: &State,
    catalogue: &Catalogue,
    policy: &Policy,
    users: &Users,
    config: Config,
    view: &View,
    files: Vec<FileStats>,
    outputs: Outputs,
    jsonl: Option<Pending>,
) -> anyhow::Result<()> {
    let latest = state.latest_day()?;
    let to = view.until.map(day_of).or(latest);
    let from = view
        .since
        .map(day_of)
        .or(to.map(|t| t.saturating_sub(i32::try_from(view.days).unwrap_or(i32::MAX) - 1)));
    let (agg, config) = match (from, to) {
        (Some(from), Some(to)) => {
            if from > to {
                return Err(UsageError(format!(
                    "the report window is empty: {} is after {}",
                    fmt_day(from),
                    fmt_day(to)
                ))
                .into());
            }
            let (agg, unknown) = state.load(from, to, catalogue)?;
            if unknown > 0 {
                eprintln!(
                    "shadowai: {unknown} usage row(s) name tools not in the catalogue; left out"
                );
            }
            let config = Config {
                since: Some(i64::from(from) * 86_400),
                until: Some(i64::from(to) * 86_400 + 86_399),
                ..config
            };
            (agg, config)
        }
        _ => (Agg::default(), config),
    };
    let identity_used = agg.attributed + agg.unattributed > 0;
    let mut files = files;
    aggregate::sort_files(&mut files);
    let scan = Scan { agg, files };
    let mut report = Report::build(&scan, catalogue, &config, policy, users);
    report.identity_used = identity_used;
    outputs.write(&report)?;
    if let Some(jsonl) = jsonl {
        jsonl.write(&report)?;
    }
    Ok(())
}
