//! The subcommands, each taking parsed arguments and returning how the run ended.

use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use publicsuffix::List;

use crate::blocklist;
use crate::cli::{
    BlocklistArgs, CatalogueArgs, ExportFormat, MatchArgs, MergeArgs, RegisterCommand, ReportArgs,
    ReportOptions, RevealArgs, ScanArgs, SignaturesCommand,
};
use crate::config::Config;
use crate::discovery::load_psl;
use crate::exit::{Exit, UsageError};
use crate::findings::Policy;
use crate::formats::FORMATS;
use crate::identity::Identity;
use crate::normalize;
use crate::partial;
use crate::partial::{Meta, Partial};
use crate::pipeline::Scan;
use crate::pipeline::{self, Context};
use crate::pseudonym::Users;
use crate::register::Register;
use crate::report::csv::neutralize;
use crate::report::{Outputs, Report};
use crate::signatures::{Catalogue, SignatureError, ToolId};
use crate::state::{Fate, State};
use std::time::Instant;

fn usage(errors: Vec<SignatureError>) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    UsageError(lines.join("\n")).into()
}

/// The built-in catalogue plus the user's files.
fn load_catalogue(args: &CatalogueArgs) -> anyhow::Result<(Catalogue, List)> {
    let psl = load_psl(args.psl.as_deref()).map_err(|e| UsageError(format!("{e:#}")))?;
    let mut catalogue = Catalogue::embedded(&psl).map_err(usage)?;
    for path in &args.signatures {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        catalogue
            .add_source(&path.display().to_string(), &text, &psl)
            .map_err(usage)?;
    }
    Ok((catalogue, psl))
}

/// What every report needs, loaded before any log is read so a bad catalogue, register or key
/// fails at once: the catalogue (with the register's domains joined in), the register and its
/// row per tool, and how users are shown.
struct Setup {
    catalogue: Catalogue,
    psl: List,
    register: Option<Register>,
    rows: Vec<Option<usize>>,
    users: Users,
}

impl Setup {
    fn load(opts: &ReportOptions) -> anyhow::Result<Setup> {
        let (mut catalogue, psl) = load_catalogue(&opts.catalogue)?;
        let mut register = opts.register.as_deref().map(Register::read).transpose()?;
        let rows = match &mut register {
            Some(r) => r.join(&mut catalogue, &psl)?,
            None => vec![None; catalogue.tools.len()],
        };
        let users = match &opts.pseudonymize_key {
            Some(key) => Users::keyed(key)?,
            None => Users::plain(),
        };
        Ok(Setup {
            catalogue,
            psl,
            register,
            rows,
            users,
        })
    }

    fn policy(&self, opts: &ReportOptions) -> Policy<'_> {
        Policy {
            register: self.register.as_ref(),
            rows: self.rows.clone(),
            upload_threshold: opts.upload_threshold,
        }
    }
}

/// The settings that shape a report's numbers, as the `scan` command that gives them: the
/// report's method section. Built from settings, not from the command typed, so a scan and the
/// merge of its partials (in any order) write the same bytes; the inputs are listed apart.
fn settings_command(
    since: Option<i64>,
    until: Option<i64>,
    keep_user_domain: bool,
    identity: &[String],
    opts: &ReportOptions,
) -> String {
    let mut c = String::from("shadowai scan");
    let mut flag = |name: &str, value: Option<&str>| {
        c.push_str(" --");
        c.push_str(name);
        if let Some(v) = value {
            c.push(' ');
            c.push_str(v);
        }
    };
    for (name, t) in [("since", since), ("until", until)] {
        if let Some(t) = t {
            flag(name, Some(&crate::time::fmt_rfc3339(t)));
        }
    }
    if keep_user_domain {
        flag("keep-user-domain", None);
    }
    for f in identity {
        flag("identity", Some(f));
    }
    if let Some(r) = &opts.register {
        flag("register", Some(&r.display().to_string()));
    }
    for f in &opts.catalogue.signatures {
        flag("signatures", Some(&f.display().to_string()));
    }
    if let Some(f) = &opts.catalogue.psl {
        flag("psl", Some(&f.display().to_string()));
    }
    flag("upload-threshold", Some(&opts.upload_threshold.to_string()));
    if opts.pseudonymize_key.is_some() {
        flag("pseudonymize-key", Some("KEY"));
    }
    c.push_str(" INPUTS");
    c
}

/// The paths given plus those listed in `--files-from` (one per line; `-` = standard input).
fn input_paths(paths: &[PathBuf], files_from: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    use std::os::unix::ffi::OsStrExt;
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
            out.push(PathBuf::from(std::ffi::OsStr::from_bytes(line)));
        }
    }
    Ok(out)
}

/// Where a partial goes: standard output, or a file staged as a temporary file beside it,
/// created before any input is read (a bad path fails at once) and renamed into place when
/// complete, so an engine never picks up half a partial.
enum PartialOut {
    Stdout,
    File(crate::report::Staged),
}

impl PartialOut {
    fn create(dest: &Path) -> anyhow::Result<PartialOut> {
        if dest == Path::new("-") {
            return Ok(PartialOut::Stdout);
        }
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| {
                UsageError(format!(
                    "--emit-partial {}: not a file name",
                    dest.display()
                ))
            })?;
        let dir = dest.parent().filter(|d| !d.as_os_str().is_empty());
        Ok(PartialOut::File(crate::report::Staged::create(
            dir.unwrap_or(Path::new(".")),
            [name],
        )?))
    }

    fn write(self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
        match self {
            PartialOut::Stdout => {
                let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
                write(&mut out)?;
                out.flush()?;
                Ok(())
            }
            PartialOut::File(staged) => {
                let mut write = Some(write);
                staged.write_each(|_, w| match write.take() {
                    Some(f) => Ok(f(w)?),
                    None => Ok(()),
                })
            }
        }
    }
}

/// Names every failed input on stderr and says how the run ended: [`Exit::Partial`] when some
/// failed, [`Exit::Fatal`] when all did (nothing was audited).
fn files_outcome(files: &[crate::aggregate::FileStats]) -> Exit {
    let failed: Vec<_> = files.iter().filter(|f| f.error.is_some()).collect();
    for f in &failed {
        eprintln!(
            "shadowai: {}: {}",
            f.path.display(),
            f.error.as_deref().unwrap_or_default()
        );
    }
    if failed.is_empty() {
        Exit::Ok
    } else if failed.len() == files.len() {
        Exit::Fatal
    } else {
        Exit::Partial
    }
}

/// `shadowai scan`.
pub fn scan(args: ScanArgs) -> anyhow::Result<Exit> {
    let setup = Setup::load(&args.report)?;
    let Setup {
        catalogue,
        psl,
        users,
        ..
    } = &setup;
    let policy = setup.policy(&args.report);
    let identity = if args.identity.is_empty() {
        None
    } else {
        Some(Identity::read(&args.identity)?)
    };
    let threads = args.threads;
    let jsonl = args.report.jsonl;
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
    if list_inputs {
        use std::os::unix::ffi::OsStrExt;
        let mut out = io::BufWriter::new(io::stdout().lock());
        for f in crate::input::inputs(&config.inputs, config.shard) {
            let (Ok(p) | Err((p, _))) = f;
            out.write_all(p.as_os_str().as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        return Ok(Exit::Ok);
    }
    let state = state_path.as_deref().map(State::open).transpose()?;
    // With a state, everything is ingested; --since/--until bound only the report window.
    let (since, until) = (config.since, config.until);
    let config = if state.is_some() {
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
    let (outputs, partial_out) = match &emit {
        Some(dest) => (None, Some(PartialOut::create(dest)?)),
        None => (Some(Outputs::create(&config.out)?), None),
    };
    let jsonl = (jsonl && emit.is_none())
        .then(|| crate::report::jsonl::Pending::create(&config.out))
        .transpose()?;
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
        catalogue,
        psl,
        bar,
    };
    if let Some(state) = &state {
        let started = Instant::now();
        let ingest = pipeline::ingest(&ctx, state);
        if let Some(days) = retain
            && let Some(latest) = state.latest_day()?
        {
            state.retain(latest.saturating_sub(i32::try_from(days).unwrap_or(i32::MAX) - 1))?;
        }
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
        let view = View {
            days: window,
            since,
            until,
        };
        render_state(
            state,
            catalogue,
            &policy,
            users,
            config,
            &view,
            ingest.files,
            outputs.context("internal error: no outputs")?,
            jsonl,
        )?;
        eprintln!("{line}");
        return Ok(exit);
    }
    let result = pipeline::scan(&ctx);
    if let Some(out) = partial_out {
        let meta = Meta {
            catalogue: Some(catalogue.matching_digest()),
            since: config.since,
            until: config.until,
            keep_user_domain: config.keep_user_domain,
            identity: identity.is_some().then_some(identity_files),
        };
        out.write(|w| partial::write_scan(&result, catalogue, &meta, w))?;
        // A partial carries its failed inputs to the report; it is complete all the same.
        return Ok(match files_outcome(&result.files) {
            Exit::Ok => Exit::Ok,
            _ => Exit::Partial,
        });
    }
    let mut report = Report::build(&result, catalogue, &config, &policy, users);
    report.identity_used = identity.is_some();
    outputs
        .context("internal error: no outputs")?
        .write(&report)?;
    if let Some(jsonl) = jsonl {
        jsonl.write(&report)?;
    }
    let exit = files_outcome(&result.files);
    let skipped: u64 = result.files.iter().map(|f| f.skipped).sum();
    if skipped > 0 {
        eprintln!("shadowai: {skipped} malformed line(s) skipped; see summary.json");
    }
    // Exit::Fatal when not one input could be read (a mistyped path, a wrong --format).
    Ok(exit)
}

/// The report window asked for with `--state`: `days` ending at the latest day with data, or
/// `--since`/`--until` (whole days: the state keeps days, not seconds).
struct View {
    days: u32,
    since: Option<i64>,
    until: Option<i64>,
}

/// Renders every output from the state for the window, through the same
/// [`Report::build`] as an in-memory scan.
#[allow(clippy::too_many_arguments)]
fn render_state(
    state: &State,
    catalogue: &Catalogue,
    policy: &Policy,
    users: &Users,
    config: Config,
    view: &View,
    files: Vec<crate::aggregate::FileStats>,
    outputs: Outputs,
    jsonl: Option<crate::report::jsonl::Pending>,
) -> anyhow::Result<()> {
    use crate::time::day_of;
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
                    crate::time::fmt_day(from),
                    crate::time::fmt_day(to)
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
        _ => (crate::aggregate::Agg::default(), config),
    };
    let identity_used = agg.attributed + agg.unattributed > 0;
    let mut files = files;
    crate::aggregate::sort_files(&mut files);
    let scan = Scan { agg, files };
    let mut report = Report::build(&scan, catalogue, &config, policy, users);
    report.identity_used = identity_used;
    outputs.write(&report)?;
    if let Some(jsonl) = jsonl {
        jsonl.write(&report)?;
    }
    Ok(())
}

/// `shadowai report`: the outputs of a window, from the state alone.
pub fn report(args: ReportArgs) -> anyhow::Result<Exit> {
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

/// `shadowai merge`: partials in, reports (or one partial, or the state) out.
pub fn merge(args: MergeArgs) -> anyhow::Result<Exit> {
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

/// `shadowai match`.
pub fn match_hosts(args: MatchArgs) -> anyhow::Result<Exit> {
    let (catalogue, _) = load_catalogue(&args.catalogue)?;
    let stdout = io::stdout();
    let mut out = csv::Writer::from_writer(stdout.lock());
    out.write_record(["host", "tool_id", "tool", "vendor", "category", "pattern"])?;
    let mut host = Vec::new();
    let mut write = |raw: &str| -> anyhow::Result<()> {
        normalize::lowercase_into(&mut host, normalize::host_part(raw.as_bytes()));
        let shown = String::from_utf8_lossy(&host).into_owned();
        match catalogue.find_host(&host) {
            Some(p) => {
                let t = &catalogue.tools[p.tool as usize];
                out.write_record([
                    &*neutralize(&shown),
                    &t.id,
                    &t.name,
                    &t.vendor,
                    &t.category,
                    &p.text,
                ])?;
            }
            None => out.write_record([&*neutralize(&shown), "", "", "", "", ""])?,
        }
        Ok(())
    };
    if args.hosts.is_empty() {
        for line in io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                write(line.trim())?;
            }
        }
    } else {
        for h in &args.hosts {
            write(h)?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}

/// `shadowai signatures …`.
pub fn signatures(cmd: SignaturesCommand) -> anyhow::Result<Exit> {
    match cmd {
        SignaturesCommand::List(args) => {
            let (catalogue, _) = load_catalogue(&args)?;
            let mut out = csv::Writer::from_writer(io::stdout().lock());
            out.write_record([
                "tool_id", "tool", "vendor", "category", "patterns", "offering", "exe",
            ])?;
            let mut tools: Vec<_> = catalogue.tools.iter().enumerate().collect();
            tools.sort_by(|a, b| a.1.id.cmp(&b.1.id));
            for (i, t) in tools {
                let patterns: Vec<&str> = catalogue.patterns_of(i as ToolId).collect();
                out.write_record([
                    &t.id,
                    &t.name,
                    &t.vendor,
                    &t.category,
                    &patterns.join(" "),
                    t.offering.as_deref().unwrap_or_default(),
                    &t.exe.join(" "),
                ])?;
            }
            out.flush()?;
            Ok(Exit::Ok)
        }
        SignaturesCommand::Export { format, catalogue } => {
            let (catalogue, _) = load_catalogue(&catalogue)?;
            // Buffered whole (a few hundred KiB) so a closed pipe surfaces as an io::Error,
            // which main() treats as a normal end, rather than wrapped in a csv::Error.
            let mut buf = Vec::new();
            export_signatures(&catalogue, format, &mut buf)?;
            io::stdout().lock().write_all(&buf)?;
            Ok(Exit::Ok)
        }
        SignaturesCommand::Lint { files, psl } => {
            let psl = load_psl(psl.as_deref()).map_err(|e| UsageError(format!("{e:#}")))?;
            let mut catalogue = Catalogue::embedded(&psl).map_err(usage)?;
            let mut failed = false;
            for path in &files {
                let name = path.display().to_string();
                let result = std::fs::read_to_string(path)
                    .map_err(|e| {
                        vec![SignatureError {
                            file: name.clone(),
                            line: 0,
                            msg: e.to_string(),
                        }]
                    })
                    .and_then(|text| catalogue.add_source(&name, &text, &psl));
                match result {
                    Ok(()) => println!("{name}: ok"),
                    Err(errors) => {
                        failed = true;
                        for e in errors {
                            println!("{e}");
                        }
                    }
                }
            }
            Ok(if failed { Exit::Usage } else { Exit::Ok })
        }
    }
}

/// `shadowai register update`.
pub fn register(cmd: RegisterCommand) -> anyhow::Result<Exit> {
    let RegisterCommand::Update {
        register,
        from,
        dry_run,
    } = cmd;
    let rows = crate::register::update(&register, &from, dry_run)?;
    if dry_run {
        let mut out = csv::Writer::from_writer(io::stdout().lock());
        for r in &rows {
            out.write_record(r.iter().map(|c| neutralize(c).into_owned()))?;
        }
        out.flush()?;
        eprintln!(
            "shadowai: {} row(s) would be added to {}",
            rows.len(),
            register.display()
        );
    } else if rows.is_empty() {
        eprintln!("shadowai: {}: nothing to add", register.display());
    } else {
        eprintln!(
            "shadowai: added {} row(s) to {} (previous version: {}.bak)",
            rows.len(),
            register.display(),
            register.display()
        );
    }
    Ok(Exit::Ok)
}

/// `shadowai reveal`.
pub fn reveal(args: RevealArgs) -> anyhow::Result<Exit> {
    let users = Users::keyed(&args.pseudonymize_key)?;
    let names = std::fs::read_to_string(&args.users)
        .map_err(|e| UsageError(format!("{}: {e}", args.users.display())))?;
    let mut out = csv::Writer::from_writer(io::stdout().lock());
    out.write_record(["token", "user"])?;
    let mut normalized = Vec::new();
    for name in names.lines().map(str::trim).filter(|n| !n.is_empty()) {
        // Tokens are made from normalized users; normalize the candidates the same way.
        normalize::user_into(&mut normalized, name.as_bytes(), false);
        let token = users.show(&normalized);
        if args.tokens.is_empty() || args.tokens.contains(&token) {
            out.write_record([
                token.as_str(),
                &neutralize(&String::from_utf8_lossy(&normalized)),
            ])?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}

/// `shadowai formats`.
pub fn formats(markdown: bool) -> anyhow::Result<Exit> {
    let mut out = io::stdout().lock();
    if markdown {
        out.write_all(crate::formats::markdown_table().as_bytes())?;
        return Ok(Exit::Ok);
    }
    for f in FORMATS {
        let example = f
            .sample()
            .lines()
            .find(|l| !l.starts_with('#') && !l.trim().is_empty())
            .unwrap_or_default();
        writeln!(out, "{} ({}): {}", f.name(), f.kind().as_str(), f.about())?;
        writeln!(out, "  fields:  {}", f.fields())?;
        writeln!(out, "  example: {example}")?;
        writeln!(out, "  spec:    {}", f.spec_url())?;
    }
    Ok(Exit::Ok)
}

/// One export row: a pattern and its tool.
struct PatternRow<'a> {
    pattern: &'a str,
    kind: &'static str,
    host: String,
    tool: &'a crate::signatures::Tool,
    role: &'static str,
    rank: (usize, usize, bool),
}

/// `signatures export`: the catalogue as a lookup table, one row per pattern (two for the
/// Splunk lookup, whose `*` is a plain glob: `host` and `*.host`).
pub fn export_signatures(
    catalogue: &Catalogue,
    format: ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut rows: Vec<PatternRow> = catalogue
        .patterns
        .iter()
        .map(|p| {
            let body = p.text.trim_start_matches('=');
            let kind = if p.text.starts_with('=') {
                "exact"
            } else if p.text.contains('*') {
                "wildcard"
            } else {
                "suffix"
            };
            let labels = body.split('.').count();
            let literal = body.split('.').filter(|l| !l.contains('*')).count();
            PatternRow {
                pattern: &p.text,
                kind,
                host: body.to_string(),
                tool: &catalogue.tools[p.tool as usize],
                role: p.role,
                rank: (labels, literal, kind == "exact"),
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.tool.id, a.pattern).cmp(&(&b.tool.id, b.pattern)));
    match format {
        ExportFormat::Jsonl => {
            for r in &rows {
                let v = serde_json::json!({
                    "pattern": r.pattern,
                    "match": r.kind,
                    "host": r.host,
                    "tool_id": r.tool.id,
                    "tool": r.tool.name,
                    "vendor": r.tool.vendor,
                    "category": r.tool.category,
                    "role": r.role,
                    "offering": r.tool.offering,
                });
                serde_json::to_writer(&mut *out, &v)?;
                out.write_all(b"\n")?;
            }
        }
        ExportFormat::Csv | ExportFormat::SentinelWatchlist => {
            let mut w = csv::Writer::from_writer(out);
            if format == ExportFormat::Csv {
                w.write_record([
                    "pattern", "match", "tool_id", "tool", "vendor", "category", "role", "offering",
                ])?;
            } else {
                w.write_record([
                    "Host",
                    "MatchType",
                    "ToolId",
                    "Tool",
                    "Vendor",
                    "Category",
                    "Role",
                    "Pattern",
                ])?;
            }
            for r in &rows {
                let offering = r.tool.offering.as_deref().unwrap_or_default();
                let first = if format == ExportFormat::Csv {
                    r.pattern
                } else {
                    r.host.as_str()
                };
                let last = if format == ExportFormat::Csv {
                    offering
                } else {
                    r.pattern
                };
                let second = r.kind;
                w.write_record([
                    &*neutralize(first),
                    second,
                    &neutralize(&r.tool.id),
                    &neutralize(&r.tool.name),
                    &neutralize(&r.tool.vendor),
                    &neutralize(&r.tool.category),
                    r.role,
                    &neutralize(last),
                ])?;
            }
            w.flush()?;
        }
        ExportFormat::SplunkLookup => {
            // With `max_matches = 1` Splunk returns the first matching row in file order, so
            // the most specific patterns come first, as the scan's matcher prefers them.
            rows.sort_by(|a, b| b.rank.cmp(&a.rank).then_with(|| a.host.cmp(&b.host)));
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "host", "tool_id", "tool", "vendor", "category", "role", "pattern",
            ])?;
            for r in &rows {
                let mut hosts = vec![r.host.clone()];
                if r.kind != "exact" {
                    hosts.push(format!("*.{}", r.host));
                }
                for h in hosts {
                    w.write_record([
                        h.as_str(),
                        &neutralize(&r.tool.id),
                        &neutralize(&r.tool.name),
                        &neutralize(&r.tool.vendor),
                        &neutralize(&r.tool.category),
                        r.role,
                        r.pattern,
                    ])?;
                }
            }
            w.flush()?;
        }
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename), or
/// to stdout for `-`.
fn write_out(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        io::stdout().lock().write_all(bytes)?;
        return Ok(());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.shadowai-tmp"));
    std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// `shadowai blocklist`.
pub fn blocklist(args: BlocklistArgs) -> anyhow::Result<Exit> {
    let (mut catalogue, psl) = load_catalogue(&args.catalogue)?;
    let mut register = Register::read(&args.register)?;
    let rows = register.join(&mut catalogue, &psl)?;
    let policy = Policy {
        register: Some(&register),
        rows,
        upload_threshold: crate::findings::DEFAULT_UPLOAD_THRESHOLD,
    };
    // The value parser only admits registered names.
    let format = blocklist::by_name(&args.format)
        .ok_or_else(|| UsageError(format!("unknown blocklist format `{}`", args.format)))?;
    let serial = args.serial.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs() as u32)
    });
    let opts = blocklist::Options {
        tiers: args.tiers.0.clone(),
        serial,
        register: args
            .register
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        catalogue: catalogue.version.clone(),
    };
    let out = blocklist::build(format, &catalogue, &policy, &opts);
    write_out(&args.out, out.text.as_bytes())?;
    // Formats without comments cannot say in the file what they left out: say it here.
    if format.comment().is_none() {
        for s in &out.skipped {
            eprintln!("shadowai: not listed: {s}");
        }
        for n in &out.notes {
            eprintln!("shadowai: note: {n}");
        }
    }
    eprintln!(
        "shadowai: {}: {} pattern(s) blocked, {} allow-rule(s) for allowed tools, {} pattern(s) not listed{}",
        format.name(),
        out.blocked,
        out.exceptions,
        out.skipped.len(),
        if out.skipped.is_empty() || format.comment().is_none() {
            ""
        } else {
            " (see the comments in the file)"
        }
    );
    Ok(Exit::Ok)
}

/// `shadowai completions`.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<Exit> {
    use clap::CommandFactory;
    let mut cmd = crate::cli::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "shadowai", &mut out);
    io::stdout().lock().write_all(&out)?;
    Ok(Exit::Ok)
}

/// `shadowai man`.
pub fn man(out: Option<std::path::PathBuf>) -> anyhow::Result<Exit> {
    use clap::CommandFactory;
    let cmd = crate::cli::Cli::command();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("writing man pages to {}", dir.display()))?;
            eprintln!("shadowai: man pages written to {}", dir.display());
        }
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            io::stdout().lock().write_all(&buf)?;
        }
    }
    Ok(Exit::Ok)
}
