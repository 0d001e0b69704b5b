//! The subcommands, each taking parsed arguments and returning how the run ended.

use std::io::{self, BufRead, IsTerminal, Write};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use publicsuffix::List;

use crate::cli::{
    CatalogueArgs, MatchArgs, RegisterCommand, RevealArgs, ScanArgs, SignaturesCommand,
};
use crate::discovery::load_psl;
use crate::exit::{Exit, UsageError};
use crate::findings::Policy;
use crate::formats::FORMATS;
use crate::identity::Identity;
use crate::normalize;
use crate::pipeline::{self, Context};
use crate::pseudonym::Users;
use crate::register::Register;
use crate::report::csv::neutralize;
use crate::report::{Outputs, Report};
use crate::signatures::{Catalogue, SignatureError};

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

/// `shadowai scan`.
pub fn scan(args: ScanArgs, command_line: String) -> anyhow::Result<Exit> {
    let (mut catalogue, psl) = load_catalogue(&args.catalogue)?;
    let mut register = args.register.as_deref().map(Register::read).transpose()?;
    let rows = match &mut register {
        Some(r) => r.join(&mut catalogue, &psl)?,
        None => vec![None; catalogue.tools.len()],
    };
    let policy = Policy {
        register: register.as_ref(),
        rows,
        upload_threshold: args.upload_threshold,
    };
    let identity = if args.identity.is_empty() {
        None
    } else {
        Some(Identity::read(&args.identity)?)
    };
    let users = match &args.pseudonymize_key {
        Some(key) => Users::keyed(key)?,
        None => Users::plain(),
    };
    let threads = args.threads;
    let config = args.into_config(command_line);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("starting worker threads")?;
    let outputs = Outputs::create(&config.out)?;
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
        catalogue: &catalogue,
        psl: &psl,
        bar,
    };
    let result = pipeline::scan(&ctx);
    let mut report = Report::build(&result, &catalogue, &config, &policy, &users);
    report.identity_used = identity.is_some();
    outputs.write(&report)?;
    let failed: Vec<_> = result.files.iter().filter(|f| f.error.is_some()).collect();
    for f in &failed {
        eprintln!(
            "shadowai: {}: {}",
            f.path.display(),
            f.error.as_deref().unwrap_or_default()
        );
    }
    let skipped: u64 = result.files.iter().map(|f| f.skipped).sum();
    if skipped > 0 {
        eprintln!("shadowai: {skipped} malformed line(s) skipped; see summary.json");
    }
    Ok(if failed.is_empty() {
        Exit::Ok
    } else if failed.len() == result.files.len() {
        // Not one input could be read (a mistyped path, a wrong --format): nothing was audited.
        Exit::Fatal
    } else {
        Exit::Partial
    })
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
                let patterns: Vec<&str> = catalogue
                    .patterns
                    .iter()
                    .filter(|p| usize::from(p.tool) == i)
                    .map(|p| p.text.as_str())
                    .collect();
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
