//! Writing the reports, whatever they are built from (a scan, merged partials, a `--state`
//! window): every way goes through the same [`Report::build`], so the outputs agree.

use std::path::{Path, PathBuf};

use crate::aggregate::{self, Agg, FileStats};
use crate::cli::ReportOptions;
use crate::config::Config;
use crate::directory::Directory;
use crate::exit::UsageError;
use crate::pipeline::Scan;
use crate::policy::Policy;
use crate::pseudonym::Users;
use crate::report::new_since::{NewOut, NewRow, new_rows};
use crate::report::tally::Tally;
use crate::report::{OutOptions, Outputs, Report, pdf};
use crate::signatures::Catalogue;
use crate::state::{SeenPairs, State};
use crate::time::{day_of, fmt_day};

/// The optional outputs of a run with these options; `news` when it adds data to a
/// `--state` (`new-since-last-run.*`).
pub(super) fn out_options(opts: &ReportOptions, news: bool) -> OutOptions {
    OutOptions {
        jsonl: opts.jsonl,
        directory: !opts.directory.is_empty(),
        news,
        pdf: opts.pdf,
        xlsx: opts.xlsx,
    }
}

/// Where the reports go: the files in `--out` (with `--jsonl`, the JSONL export too). Created
/// before any input is read, so a bad folder fails at once, and renamed into place when written.
pub(super) struct ReportOut {
    outputs: Outputs,
    /// `new-since-last-run.*`, staged for runs with `--state` that read logs or partials.
    pub news: Option<NewOut>,
    /// The output folder when this run created it.
    created: Option<PathBuf>,
    /// With `--pdf`: the browser that prints `report.pdf` into `dir` once the reports are
    /// written.
    pdf: Option<(PathBuf, PathBuf)>,
}

impl ReportOut {
    /// Stages the outputs in `dir`: the JSONL exports with `--jsonl`, `per-department.csv`
    /// with a `--directory`, and `new-since-last-run.*` when `news` (a run that adds data to a
    /// `--state`).
    pub fn create(dir: &Path, opts: OutOptions) -> anyhow::Result<ReportOut> {
        // Looked for first: without a browser the run fails before creating anything.
        let pdf = if opts.pdf {
            Some((pdf::find_browser(dir)?, dir.to_path_buf()))
        } else {
            None
        };
        let created = (!dir.is_dir()).then(|| dir.to_path_buf());
        let outputs = Outputs::create(dir, opts)?;
        let news = opts
            .news
            .then(|| NewOut::create(dir, opts.jsonl))
            .transpose()?;
        Ok(ReportOut {
            outputs,
            news,
            created,
            pdf,
        })
    }

    /// Writes no report: the temporary files are removed unwritten, so the files already in
    /// the folder stay as they were, and a folder this run created is removed again (only
    /// when still empty: nothing of anyone else's is removed).
    pub fn discard(self) {
        let ReportOut {
            outputs,
            news,
            created,
            pdf: _,
        } = self;
        drop((outputs, news));
        if let Some(dir) = created {
            // Not empty (another run wrote into it meanwhile): then it stays, which is fine.
            let _ = std::fs::remove_dir(dir);
        }
    }

    fn write(self, report: &Report) -> anyhow::Result<()> {
        for (path, err) in self.outputs.write(report)? {
            eprintln!(
                "shadowai: {}: left by an earlier run and not written by this one, but cannot be removed: {err}",
                path.display()
            );
        }
        if let Some((browser, dir)) = &self.pdf {
            pdf::print(browser, dir)?;
        }
        Ok(())
    }
}

/// The report window asked for with `--state`: `days` ending at the latest day with data, or
/// `--since`/`--until` (whole days: the state keeps days, not seconds).
pub(super) struct View {
    pub days: u32,
    pub since: Option<i64>,
    pub until: Option<i64>,
}

/// What every report is built with: the catalogue, the policy and how users are shown.
pub(super) struct Render<'a> {
    pub catalogue: &'a Catalogue,
    pub policy: Policy<'a>,
    pub users: &'a Users,
    /// `--directory`, joined to every report.
    pub directory: Option<&'a Directory>,
    /// The `--identity` files the users were named with, hashed for the evidence manifest.
    pub identity: Vec<crate::hash::HashedFile>,
    /// `--org`: the organization named in report.html.
    pub org: Option<String>,
}

impl Render<'_> {
    /// Builds the report of `scan` and writes every output; returns the numbers of the
    /// end-of-run block.
    pub fn write(
        &self,
        scan: &Scan,
        config: &Config,
        identity_used: bool,
        out: ReportOut,
    ) -> anyhow::Result<Tally> {
        let mut report = Report::build(scan, self.catalogue, config, &self.policy, self.users);
        report.identity_used = identity_used;
        report.org = self.org.clone();
        report.manifest.identity.clone_from(&self.identity);
        if let Some(directory) = self.directory {
            report.manifest.directory.clone_from(&directory.files);
            report.join_directory(&directory.index(config.keep_user_domain));
        }
        out.write(&report)?;
        Ok(Tally::of(&report))
    }

    /// What `after` (the state with this run's data) holds that `before` did not.
    pub fn news(&self, before: &SeenPairs, after: &SeenPairs) -> Vec<NewRow> {
        new_rows(before, after, self.catalogue, &self.policy, self.users)
    }

    /// Renders every output from the state for the window, through the same
    /// [`Report::build`] as an in-memory scan; `files` are the inputs the report lists.
    pub fn write_window(
        &self,
        state: &State,
        view: &View,
        files: Vec<FileStats>,
        config: Config,
        out: ReportOut,
    ) -> anyhow::Result<Tally> {
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
                let (agg, unknown) = state.load(from, to, self.catalogue)?;
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
        self.write(&scan, &config, identity_used, out)
    }
}
