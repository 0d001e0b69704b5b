//! What the commands that match hosts load before reading anything, so a bad catalogue,
//! register or key fails at once; and the settings line a report's method section shows.

use publicsuffix::List;

use super::render::Render;
use crate::cli::{CatalogueArgs, ReportOptions};
use crate::directory::Directory;
use crate::discovery::load_psl;
use crate::exit::{Exit, UsageError};
use crate::policy::Policy;
use crate::pseudonym::Users;
use crate::register::Register;
use crate::signatures::{Catalogue, SignatureError};

/// Signature-file errors as one usage error (exit 2), one per line.
pub(super) fn usage(errors: Vec<SignatureError>) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    UsageError(lines.join("\n")).into()
}

/// The built-in catalogue plus the user's files.
///
/// # Performance
/// The public suffix list loads on a thread of its own while the catalogue's TOML is parsed:
/// the two were two thirds of a small scan's start, one after the other.
pub(super) fn load_catalogue(args: &CatalogueArgs) -> anyhow::Result<(Catalogue, List)> {
    let (psl, parsed) = std::thread::scope(|s| {
        let psl = s.spawn(|| load_psl(args.psl.as_deref()));
        let parsed = Catalogue::parse_embedded();
        let psl = psl
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("loading the public suffix list failed")));
        (psl, parsed)
    });
    let psl = psl.map_err(|e| UsageError(format!("{e:#}")))?;
    let mut catalogue = Catalogue::from_embedded(parsed.map_err(usage)?, &psl).map_err(usage)?;
    for path in &args.signatures {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
        catalogue
            .add_source(&path.display().to_string(), &text, &psl)
            .map_err(usage)?;
    }
    catalogue.check_successors().map_err(usage)?;
    Ok((catalogue, psl))
}

/// What every report needs, loaded before any log is read so a bad format file, catalogue,
/// register or key fails at once (the format files are added to the registry): the catalogue (with the register's domains joined in), the register and its
/// row per tool, and how users are shown.
pub(super) struct Setup {
    pub catalogue: Catalogue,
    pub psl: List,
    register: Option<Register>,
    rows: Vec<Option<usize>>,
    users: Users,
    directory: Option<Directory>,
}

impl Setup {
    pub fn load(opts: &ReportOptions) -> anyhow::Result<Setup> {
        crate::formats::user::load(&opts.format_file)?;
        let (mut catalogue, psl) = load_catalogue(&opts.catalogue)?;
        let mut register = opts.register.as_deref().map(Register::read).transpose()?;
        let rows = match &mut register {
            Some(r) => {
                let rows = r.join(&mut catalogue, &psl)?;
                r.warn_unmatched();
                rows
            }
            None => vec![None; catalogue.tools.len()],
        };
        let users = match &opts.pseudonymize_key {
            Some(key) => Users::keyed(key)?,
            None => Users::plain(),
        };
        let directory = (!opts.directory.is_empty())
            .then(|| Directory::read(&opts.directory))
            .transpose()?;
        Ok(Setup {
            catalogue,
            psl,
            register,
            rows,
            users,
            directory,
        })
    }

    /// How a run that wrote reports ended, given how its inputs did: [`Exit::Partial`] when
    /// every input was read but a register row joined no tool. The reports are written, but
    /// the policy view is incomplete: the tool the row meant is reported as not registered
    /// (tier 4), which no scheduler should take for a clean run.
    pub fn exit(&self, inputs: Exit) -> Exit {
        let unmatched = self
            .register
            .as_ref()
            .is_some_and(|r| !r.unmatched.is_empty());
        if inputs == Exit::Ok && unmatched {
            Exit::Partial
        } else {
            inputs
        }
    }

    /// How this setup builds reports, with the rule settings of `opts`.
    pub fn render(&self, opts: &ReportOptions) -> Render<'_> {
        Render {
            catalogue: &self.catalogue,
            policy: Policy {
                register: self.register.as_ref(),
                rows: self.rows.clone(),
                upload_threshold: opts.upload_threshold,
            },
            users: &self.users,
            directory: self.directory.as_ref(),
            identity: Vec::new(),
            org: opts.org.clone(),
        }
    }
}

/// The settings that shape a report's numbers, as the `scan` command that gives them: the
/// report's method section. Built from settings, not from the command typed, so a scan and the
/// merge of its partials (in any order) write the same bytes; the inputs are listed apart.
pub(super) fn settings_command(
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
    for f in &opts.directory {
        flag("directory", Some(&f.display().to_string()));
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
