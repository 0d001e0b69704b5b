//! The command line (clap derive; the doc comments are the help text) and its conversion to a
//! checked [`Config`].

use std::path::PathBuf;

use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, DEFAULT_CHUNK_BYTES};
use crate::exit::UsageError;
use crate::formats;
use crate::input::MIN_EXPANSION_LIMIT;
use crate::policy::Tier;

/// Finds shadow AI in DNS, web-proxy and endpoint logs: who uses which AI tools, how often.
#[derive(Parser, Debug)]
#[command(name = "shadowai", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan log files and folders (plain or gzip) and write the reports to --out.
    #[command(
        after_help = "Example:\n  shadowai scan /var/log/squid zeek/ --out audit-2026-11 \\\n      --register register.csv --since 2026-11-09 --until 2026-11-22 --jsonl"
    )]
    Scan(ScanArgs),
    /// Re-render the reports from a `--state` database for a window, without reading logs.
    #[command(
        after_help = "Example:\n  shadowai report --state /var/lib/shadowai/state.db --out /srv/audit/latest --window 14d"
    )]
    Report(ReportArgs),
    /// Merge partial aggregates (`scan --emit-partial`) and write the reports, exactly as one
    /// scan over all their inputs would; or merge them into one partial (a reduce step).
    #[command(
        after_help = "Examples:\n  for k in 0 1 2 3; do\n      shadowai scan /logs --shard $k/4 --register register.csv --emit-partial part-$k.tsv\n  done\n  shadowai merge part-*.tsv --out audit-2026-11 --register register.csv --identity leases.csv\n  cat part-*.tsv | shadowai merge - --emit-partial reduced.tsv"
    )]
    Merge(MergeArgs),
    /// Show which tool and pattern a host matches, the host's role and the evidence (use or
    /// incidental, after the tool's path rules for a URL), from arguments, else stdin; with
    /// --register also its tier and register row.
    #[command(
        after_help = "Examples:\n  shadowai match chat.openai.com https://chatgpt.com/share/abc api.anthropic.com:443\n  shadowai match --register register.csv chatgpt.com llm.corp.example"
    )]
    Match(MatchArgs),
    /// List, check or export signature catalogues.
    #[command(subcommand)]
    Signatures(SignaturesCommand),
    /// Work with the AI Tool Register.
    #[command(subcommand)]
    Register(RegisterCommand),
    /// Write a blocklist of the refused tools (tier 4 by default) for a DNS resolver, proxy or
    /// firewall.
    #[command(after_help = BLOCKLIST_HELP)]
    Blocklist(BlocklistArgs),
    /// Map pseudonymized user and device tokens back to names (needs the key and candidate
    /// names).
    #[command(
        after_help = "Example:\n  shadowai reveal --pseudonymize-key audit.key --users ad-users.txt u-3f9c2a7d51e08b64\n  shadowai reveal --pseudonymize-key audit.key --users ad-users.txt --devices cmdb-hosts.txt"
    )]
    Reveal(RevealArgs),
    /// Write one Markdown and one CSV file per manager (or department) from an audit's
    /// findings.csv and per-user.csv: their people's findings, tools by tier, the policy
    /// clause each finding breaks. Needs an audit run with --directory.
    #[command(
        after_help = "Example:\n  shadowai scan /var/log/squid --directory ad-users.csv --register register.csv --out audit\n  shadowai digest --from audit --by manager --out audit/digests"
    )]
    Digest(DigestArgs),
    /// List the supported log formats.
    #[command(
        after_help = "Example:\n  shadowai formats            # name, kind, fields, an example line, the spec\n  shadowai formats --markdown # the table in docs/formats.md\n  shadowai formats --detect /var/log/zeek/dns.log export.csv  # why each file is (not) recognized"
    )]
    Formats {
        /// Print a Markdown table (the one in docs/formats.md).
        #[arg(long)]
        markdown: bool,
        /// For each FILE: every format's detection score, which one wins (or why none does),
        /// and what its parser makes of the first lines.
        #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "markdown")]
        detect: Vec<PathBuf>,
        /// Also list the formats of a spec file (TOML, see docs/custom-formats.md);
        /// repeatable.
        #[arg(long, value_name = "FILE")]
        format_file: Vec<PathBuf>,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell) to stdout.
    #[command(
        after_help = "Example:\n  shadowai completions bash > ~/.local/share/bash-completion/completions/shadowai\n  shadowai completions zsh > \"${fpath[1]}/_shadowai\"\n  shadowai completions fish > ~/.config/fish/completions/shadowai.fish"
    )]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, or write shadowai.1 and one page per subcommand
    /// into --out.
    #[command(
        after_help = "Example:\n  shadowai man | man -l -\n  shadowai man --out /usr/local/share/man/man1"
    )]
    Man {
        /// Folder to write shadowai.1 and shadowai-COMMAND.1 into.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

const BLOCKLIST_HELP: &str = "Formats:
  hosts         0.0.0.0 host lines (exact names only)
  dnsmasq       address=/domain/# (A and AAAA), server=/domain/# exceptions
  unbound       local-zone: \"domain.\" always_nxdomain, transparent exceptions
  bind-rpz      response policy zone: SOA, NS, name CNAME . / *.name CNAME .
  pihole        ||domain^ and exact domain lines
  adguard       ||domain^, |exact^, * wildcards, @@ exceptions
  squid-acl     acl dstdomain / dstdom_regex + http_access deny
  paloalto-edl  PAN-OS domain EDL: ^domain, *.domain
  zscaler       ZIA custom URL category: .domain, host
  plain         catalogue patterns, one per line

Examples:
  shadowai blocklist --register register.csv --format unbound --out /etc/unbound/shadowai.conf
  shadowai blocklist --register register.csv --format bind-rpz --tiers 3,4 --out db.rpz.shadowai
  shadowai blocklist --register register.csv --format squid-acl --out /etc/squid/conf.d/shadowai.conf
  shadowai blocklist --register register.csv --format unbound --seen-in audit-2026-11 --only-refused";

/// `shadowai blocklist`.
#[derive(Args, Debug)]
pub struct BlocklistArgs {
    /// The AI Tool Register (CSV export); a tool it does not list is tier 4.
    #[arg(long, value_name = "FILE")]
    pub register: PathBuf,
    /// The blocklist syntax.
    #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(crate::blocklist::SYNTAXES.iter().map(|f| f.name())))]
    pub format: String,
    /// Tiers to block: `4`, or a list such as `3,4`.
    #[arg(long, value_name = "TIERS", default_value = "4", value_parser = parse_tiers)]
    pub tiers: Tiers,
    /// Only tools seen in an earlier audit: those of its per-tool.csv (OUT: the scan's --out
    /// folder, or that file).
    #[arg(long, value_name = "OUT")]
    pub seen_in: Option<PathBuf>,
    /// Only tools the register lists at tier 4, not the tools it does not list (tier 4 by
    /// default, and blocked without this).
    #[arg(long, conflicts_with = "tiers")]
    pub only_refused: bool,
    /// Where to write (`-` = stdout); a file is replaced atomically.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub out: PathBuf,
    /// The SOA serial of a bind-rpz zone (default: the current Unix time, so it always grows).
    #[arg(long, value_name = "N")]
    pub serial: Option<u32>,
    /// Signature catalogue options.
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

/// Policy tiers chosen on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tiers(pub Vec<Tier>);

/// `4` or `3,4`: each 1..=4, sorted, unique.
fn parse_tiers(s: &str) -> Result<Tiers, String> {
    let mut tiers = Vec::new();
    for t in s.split(',').map(str::trim) {
        match t.parse::<u8>().ok().and_then(Tier::from_number) {
            Some(tier) => tiers.push(tier),
            None => return Err(format!("`{t}` is not a tier (1, 2, 3 or 4)")),
        }
    }
    tiers.sort_unstable();
    tiers.dedup();
    Ok(Tiers(tiers))
}

// The `--help` headings of `scan`, `merge` and `report`, in this order: clap orders headings by
// their first option, so the fields are declared heading by heading. Positional arguments stay
// under clap's own "Arguments" (under a heading, clap would list them after every option).
const INPUTS: &str = "Inputs";
const POLICY: &str = "Policy";
const OUTPUTS: &str = "Outputs";
const NIGHTLY: &str = "Nightly";
const SCALE_OUT: &str = "Scale-out";

/// Catalogue options shared by the commands that match hosts.
#[derive(Args, Debug, Clone, Default)]
pub struct CatalogueArgs {
    /// Add your own signature file (TOML, see signatures/README.md); repeatable.
    #[arg(long = "signatures", value_name = "FILE")]
    pub signatures: Vec<PathBuf>,
    /// Use this public suffix list instead of the one built in.
    #[arg(long, value_name = "FILE")]
    pub psl: Option<PathBuf>,
}

/// What shapes the reports, shared by `scan` and `report`: the register, the upload threshold,
/// how users are shown, the SIEM export and the catalogue.
#[derive(Args, Debug)]
pub struct ReportOptions {
    /// Add the log formats of a spec file (TOML, see docs/custom-formats.md); repeatable. Give
    /// `merge` and `report` the same files as the scans, so they know the formats' names.
    #[arg(long, value_name = "FILE", help_heading = INPUTS)]
    pub format_file: Vec<PathBuf>,
    /// The AI Tool Register (CSV export, or .xlsx/.ods): tiers, assessment dates, owners, domains.
    #[arg(long, value_name = "FILE", help_heading = POLICY)]
    pub register: Option<PathBuf>,
    /// HR/AD/Entra export (CSV or workbook: account or mail, department, manager) naming each
    /// person's department and manager; adds per-department.csv; repeatable.
    #[arg(long, value_name = "FILE", help_heading = POLICY)]
    pub directory: Vec<PathBuf>,
    /// Uploads per user, tool and day above this are findings: bytes, or with KiB/MiB/GiB.
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = parse_size, help_heading = POLICY)]
    pub upload_threshold: u64,
    /// Replace every user and device in every output by a keyed HMAC-SHA256 token (key: this
    /// file's bytes).
    #[arg(long, value_name = "FILE", help_heading = POLICY)]
    pub pseudonymize_key: Option<PathBuf>,
    /// The organization's name, shown in report.html's running header and title, so a printed
    /// page says whose audit it is.
    #[arg(long, value_name = "NAME", help_heading = OUTPUTS, display_order = 899)]
    pub org: Option<String>,
    /// Also write findings.jsonl and per-user.jsonl: one JSON object per line, ECS field names,
    /// for Splunk HEC, Elastic or Sentinel.
    // Listed last under its heading: clap lists options in declaration order, and each command
    // declares its --out after this group.
    #[arg(long, help_heading = OUTPUTS, display_order = 900)]
    pub jsonl: bool,
    /// Also print report.html to report.pdf with an installed Chromium or Chrome
    /// ($SHADOWAI_CHROME, else chromium, chromium-browser, google-chrome on PATH).
    #[arg(long, help_heading = OUTPUTS, display_order = 901)]
    pub pdf: bool,
    /// Also write audit.xlsx, the report as a workbook (summary, per tool, findings, per
    /// user, per department, register candidates) for spreadsheet users.
    #[arg(long, help_heading = OUTPUTS, display_order = 902)]
    pub xlsx: bool,
    /// Signature catalogue options.
    #[command(flatten, next_help_heading = INPUTS)]
    pub catalogue: CatalogueArgs,
}

/// `shadowai scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Log files or folders (recursed in sorted order).
    #[arg(required_unless_present = "files_from", value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also read the paths listed in FILE, one per line (`-` = standard input): how a
    /// distributed engine hands a task its share of the inputs.
    #[arg(long, value_name = "FILE", help_heading = INPUTS)]
    pub files_from: Option<PathBuf>,
    /// Read every file as this format instead of detecting it (a built-in, see `shadowai
    /// formats`, or one of a --format-file).
    #[arg(long, value_name = "NAME", help_heading = INPUTS)]
    pub format: Option<String>,
    /// Start of the audit window, ISO 8601 (UTC unless a zone is given): `2026-11-09` or
    /// `2026-11-09T08:00:00Z`.
    #[arg(long, value_name = "TIME", value_parser = parse_since, help_heading = INPUTS)]
    pub since: Option<i64>,
    /// End of the audit window (inclusive), ISO 8601: `2026-11-22` (the whole day) or a time;
    /// not before --since.
    #[arg(long, value_name = "TIME", value_parser = parse_until, help_heading = INPUTS)]
    pub until: Option<i64>,
    /// DHCP/VPN lease history (CSV `ip,user[,start,end]` or ISC dhcpd.leases) to name the
    /// users of IP-only events at the event's time; repeatable.
    #[arg(long, value_name = "FILE", help_heading = INPUTS)]
    pub identity: Vec<PathBuf>,
    /// Keep `DOMAIN\user` and `user@domain` whole instead of reducing them to `user`.
    #[arg(long, help_heading = INPUTS)]
    pub keep_user_domain: bool,
    /// A gzip input may expand to 200x its size or this many MiB, whichever is larger.
    #[arg(long, default_value_t = MIN_EXPANSION_LIMIT >> 20, value_name = "MIB", hide = true, help_heading = INPUTS)]
    pub min_expansion_mib: u64,
    /// Register, thresholds, users, exports, catalogue.
    #[command(flatten)]
    pub report: ReportOptions,
    /// Folder for the reports (created if missing).
    #[arg(short, long, value_name = "DIR", required_unless_present_any = ["emit_partial", "list_inputs"], help_heading = OUTPUTS)]
    pub out: Option<PathBuf>,
    /// No progress bar and no end-of-run summary on stderr (warnings and errors stay).
    #[arg(short, long, help_heading = OUTPUTS)]
    pub quiet: bool,
    /// Worker threads (0 = one per core).
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N", help_heading = OUTPUTS)]
    pub threads: usize,
    /// Incremental mode for nightly runs: a SQLite database of what was read. Only new data is
    /// read (new files, grown logs; renamed or compressed copies are recognized) and the
    /// reports cover the --window (or --since/--until) from everything stored.
    #[arg(long, value_name = "FILE", help_heading = NIGHTLY)]
    pub state: Option<PathBuf>,
    /// Report window with --state: this many days ending at the latest day with data.
    #[arg(long, value_name = "DAYS", default_value = "14d", value_parser = parse_days, requires = "state", help_heading = NIGHTLY)]
    pub window: u32,
    /// With --state: delete day aggregates older than this many days before the latest day.
    #[arg(long, value_name = "DAYS", value_parser = parse_days, requires = "state", help_heading = NIGHTLY)]
    pub retain: Option<u32>,
    /// Read only shard K of N (0 <= K < N) of the inputs, chosen by a hash of each file's path:
    /// N runs with K = 0..N-1 read every input exactly once.
    #[arg(long, value_name = "K/N", value_parser = parse_shard, help_heading = SCALE_OUT)]
    pub shard: Option<Shard>,
    /// Write the partial aggregate of the inputs to FILE (`-` = standard output) instead of
    /// reports, for `shadowai merge` (see docs/scaling-out.md). Users and devices stay as
    /// logged in a partial: pseudonymize (and export JSONL) at `merge`.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["state", "out", "list_inputs", "jsonl", "pseudonymize_key"], help_heading = SCALE_OUT)]
    pub emit_partial: Option<PathBuf>,
    /// Print the input files the scan would read, one per line, and stop.
    #[arg(long, conflicts_with_all = ["state", "out"], help_heading = SCALE_OUT)]
    pub list_inputs: bool,
    /// Split plain files larger than this many MiB into parallel chunks.
    #[arg(long, default_value_t = DEFAULT_CHUNK_BYTES >> 20, value_name = "MIB", hide = true, help_heading = SCALE_OUT)]
    pub chunk_mib: u64,
}

/// `shadowai merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// Partial aggregates written by `scan --emit-partial` or `merge --emit-partial` (plain or
    /// gzip; `-` = standard input).
    #[arg(required = true, value_name = "PARTIAL")]
    pub partials: Vec<PathBuf>,
    /// Lease history naming the users of IP-only events, for partials scanned without
    /// --identity (as `scan --identity`); repeatable.
    #[arg(long, value_name = "FILE", help_heading = INPUTS)]
    pub identity: Vec<PathBuf>,
    /// Register, thresholds, users, exports, catalogue (the same --signatures and --register
    /// as the scans: they decide what matched).
    #[command(flatten)]
    pub report: ReportOptions,
    /// Folder for the reports (created if missing).
    #[arg(
        short,
        long,
        value_name = "DIR",
        required_unless_present = "emit_partial",
        help_heading = OUTPUTS
    )]
    pub out: Option<PathBuf>,
    /// No end-of-run summary on stderr.
    #[arg(short, long, help_heading = OUTPUTS)]
    pub quiet: bool,
    /// Add the merged counts to this `--state` database (each input once) and report its
    /// --window, as a nightly `scan --state` does.
    #[arg(long, value_name = "FILE", help_heading = NIGHTLY)]
    pub state: Option<PathBuf>,
    /// Report window with --state: this many days ending at the latest day with data.
    #[arg(long, value_name = "DAYS", default_value = "14d", value_parser = parse_days, requires = "state", help_heading = NIGHTLY)]
    pub window: u32,
    /// Write the merged partial to FILE (`-` = standard output) instead of reports. Users and
    /// devices stay as logged in a partial: pseudonymize at the merge that writes reports.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["out", "state", "pseudonymize_key"], help_heading = SCALE_OUT)]
    pub emit_partial: Option<PathBuf>,
}

/// `--shard K/N`: shard `index` of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// K, 0-based.
    pub index: u64,
    /// N.
    pub count: u64,
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    let bad = || format!("`{s}` is not a shard K/N with 0 <= K < N (e.g. 0/4)");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (index, count) = (
        k.trim().parse::<u64>().map_err(|_| bad())?,
        n.trim().parse::<u64>().map_err(|_| bad())?,
    );
    if index >= count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// `shadowai report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The state database written by `scan --state`.
    #[arg(long, value_name = "FILE", help_heading = INPUTS)]
    pub state: PathBuf,
    /// Report window: this many days ending at the latest day with data.
    #[arg(long, value_name = "DAYS", default_value = "14d", value_parser = parse_days, help_heading = INPUTS)]
    pub window: u32,
    /// Start of the report window (ISO 8601 UTC date `2026-11-09`; whole days).
    #[arg(long, value_name = "TIME", value_parser = parse_since, help_heading = INPUTS)]
    pub since: Option<i64>,
    /// End of the report window (ISO 8601 UTC date, inclusive; whole days); not before --since.
    #[arg(long, value_name = "TIME", value_parser = parse_until, help_heading = INPUTS)]
    pub until: Option<i64>,
    /// Register, thresholds, users, exports, catalogue.
    #[command(flatten)]
    pub report: ReportOptions,
    /// Folder for the reports (created if missing).
    #[arg(short, long, value_name = "DIR", help_heading = OUTPUTS)]
    pub out: PathBuf,
    /// No end-of-run summary on stderr.
    #[arg(short, long, help_heading = OUTPUTS)]
    pub quiet: bool,
}

/// `shadowai match`.
#[derive(Args, Debug)]
pub struct MatchArgs {
    /// Hosts, URLs or `host:port`; read from stdin, one per line, when none are given.
    pub hosts: Vec<String>,
    /// Also show each host's policy tier and the register row (FILE:LINE) that gives it.
    #[arg(long, value_name = "FILE")]
    pub register: Option<PathBuf>,
    /// Signature catalogue options.
    #[command(flatten)]
    pub catalogue: CatalogueArgs,
}

/// `shadowai signatures …`.
#[derive(Subcommand, Debug)]
pub enum SignaturesCommand {
    /// Print the catalogue as CSV: tool_id,tool,vendor,category,patterns,offering,exe,aliases.
    #[command(
        after_help = "Example:\n  shadowai signatures list --signatures corp-signatures.toml > catalogue.csv"
    )]
    List(CatalogueArgs),
    /// Export the catalogue as a lookup table, one row per host pattern, for matching in a SIEM.
    #[command(
        after_help = "Formats:\n  csv                 pattern,match,tool_id,tool,vendor,category,role,offering\n  splunk-lookup       host (Splunk WILDCARD match),tool_id,…; most specific first\n  sentinel-watchlist  Host,MatchType,ToolId,… (search key: Host)\n  jsonl               one JSON object per pattern\n\nExample:\n  shadowai signatures export --format splunk-lookup > $SPLUNK_HOME/etc/apps/search/lookups/shadowai_signatures.csv"
    )]
    Export {
        /// Table format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Signature catalogue options.
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// Check signature files: syntax, duplicate ids, patterns claimed twice, bad hostnames
    ///
    /// Also sources, dates and successors. Without FILE, checks the built-in catalogue, where
    /// every tool needs a source.
    #[command(
        after_help = "Examples:\n  shadowai signatures lint corp-signatures.toml\n  shadowai signatures lint                      # the built-in catalogue: every tool needs a source"
    )]
    Lint {
        /// Signature files to check against the built-in catalogue (none: the built-in one).
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Use this public suffix list instead of the one built in.
        #[arg(long, value_name = "FILE")]
        psl: Option<PathBuf>,
    },
}

/// `signatures export` formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Plain CSV, one row per pattern.
    Csv,
    /// Splunk lookup table CSV (`match_type = WILDCARD(host)`).
    SplunkLookup,
    /// Microsoft Sentinel watchlist CSV.
    SentinelWatchlist,
    /// JSON lines, one object per pattern.
    Jsonl,
}

/// A date (its first second) or an ISO 8601 time.
fn parse_since(s: &str) -> Result<i64, String> {
    crate::time::parse_window_bound(s, false)
}

/// A date (its last second) or an ISO 8601 time.
fn parse_until(s: &str) -> Result<i64, String> {
    crate::time::parse_window_bound(s, true)
}

/// Refuses `--since` after `--until`: the window would hold nothing, and a report of nothing
/// reads as "no AI use" (issue 17).
pub fn check_window(since: Option<i64>, until: Option<i64>) -> Result<(), UsageError> {
    match (since, until) {
        (Some(s), Some(u)) if s > u => Err(UsageError(format!(
            "--since {} is after --until {}: the window is empty",
            crate::time::fmt_rfc3339(s),
            crate::time::fmt_rfc3339(u)
        ))),
        _ => Ok(()),
    }
}

/// `1048576`, `512KiB`, `1MiB`, `2GiB` (also `KB`/`MB`/`GB`, `K`/`M`/`G`, as powers of 1024).
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().map_err(|_| format!("`{s}` is not a size"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("`{s}`: unknown unit (use KiB, MiB or GiB)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// `14d`, `14` (days) or `2w` (weeks): a number of days, at least 1.
fn parse_days(s: &str) -> Result<u32, String> {
    let t = s.trim();
    let (num, mult) = match t.as_bytes().last() {
        Some(b'd' | b'D') => (&t[..t.len() - 1], 1),
        Some(b'w' | b'W') => (&t[..t.len() - 1], 7),
        _ => (t, 1),
    };
    match num.parse::<u32>() {
        Ok(n) if n > 0 => n
            .checked_mul(mult)
            .ok_or_else(|| format!("`{s}` is too long")),
        _ => Err(format!("`{s}` is not a number of days (14d, 2w)")),
    }
}

/// `shadowai register …`.
#[derive(Subcommand, Debug)]
pub enum RegisterCommand {
    /// Show how each register row joins the catalogue (by id, name, alias or domain, as an
    /// in-house tool, or not at all); exit 1 when a row matches no tool.
    #[command(
        after_help = "Output (CSV): line,name,joined,tool_id,tool,tier,suggestion\n  joined: id | name | alias | domain | in-house | UNMATCHED | AMBIGUOUS\n\nExit status: 0 every row joined, 1 some row matches no tool, 2 the register cannot be read.\n\nExample:\n  shadowai register check --register register.csv"
    )]
    Check {
        /// The register (CSV export, or .xlsx/.ods).
        #[arg(long, value_name = "FILE")]
        register: PathBuf,
        /// Signature catalogue options.
        #[command(flatten)]
        catalogue: CatalogueArgs,
    },
    /// Append the tools a scan found but the register lacks (tier 4, status `discovered`);
    /// existing rows stay byte for byte, the old file is kept as FILE.bak.
    #[command(
        after_help = "Example:\n  shadowai register update --register register.csv --from audit-2026-11 --dry-run"
    )]
    Update {
        /// The register CSV to update.
        #[arg(long, value_name = "FILE")]
        register: PathBuf,
        /// A scan's output folder (its register-candidates.csv).
        #[arg(long, value_name = "OUTDIR")]
        from: PathBuf,
        /// Print the rows that would be added; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `shadowai digest`.
#[derive(Args, Debug)]
pub struct DigestArgs {
    /// An audit's output folder (its findings.csv and per-user.csv, written with --directory).
    #[arg(long, value_name = "OUT")]
    pub from: PathBuf,
    /// One file per manager or per department.
    #[arg(long, value_enum, default_value = "manager")]
    pub by: DigestBy,
    /// Folder for the digests (created if missing; files of the same name are replaced).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// What `digest` groups people by: a column of per-user.csv.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DigestBy {
    /// The `manager` column.
    Manager,
    /// The `department` column.
    Department,
}

impl DigestBy {
    /// The column name in per-user.csv and findings.csv.
    pub fn column(self) -> &'static str {
        match self {
            DigestBy::Manager => "manager",
            DigestBy::Department => "department",
        }
    }
}

/// `shadowai reveal`.
#[derive(Args, Debug)]
pub struct RevealArgs {
    /// The key the scan was pseudonymized with.
    #[arg(long, value_name = "FILE")]
    pub pseudonymize_key: PathBuf,
    /// Candidate user names, one per line (a directory export, a list of log users).
    #[arg(long, value_name = "FILE", required_unless_present = "devices")]
    pub users: Option<PathBuf>,
    /// Candidate device names, one per line (an asset inventory, a list of host names).
    #[arg(long, value_name = "FILE")]
    pub devices: Option<PathBuf>,
    /// Tokens to reveal (`u-…` users, `d-…` devices); every token of the candidates when none
    /// are given.
    pub tokens: Vec<String>,
}

impl ScanArgs {
    /// The checked settings; `inputs` are the paths given and those read from --files-from.
    pub fn into_config(self, inputs: Vec<PathBuf>, command_line: String) -> Config {
        Config {
            inputs,
            out: self.out.unwrap_or_default(),
            shard: self.shard.map(|s| (s.index, s.count)),
            partial: self.emit_partial.is_some(),
            // `scan` has checked the name (`check_format`) once the format files were loaded.
            format: self.format.as_deref().and_then(formats::by_name),
            keep_user_domain: self.keep_user_domain,
            progress: !self.quiet,
            chunk_bytes: self.chunk_mib.max(1) << 20,
            min_expansion: self.min_expansion_mib << 20,
            since: self.since,
            until: self.until,
            command_line,
            plausible: crate::time::Plausible::from_clock(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn window_bounds_and_sizes() {
        let day = 1_794_182_400;
        assert_eq!(parse_since("2026-11-09"), Ok(day));
        assert_eq!(parse_until("2026-11-09"), Ok(day + 86_399));
        assert_eq!(parse_until("2026-11-09T01:00:00Z"), Ok(day + 3600));
        assert!(parse_since("last week").is_err());
        assert!(parse_since("09/11/2026").is_err());
        assert!(check_window(Some(day), Some(day)).is_ok());
        assert!(check_window(Some(day + 1), Some(day)).is_err());
        assert!(check_window(None, Some(day)).is_ok());
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2000"), Ok(2000));
        assert!(parse_size("1 parsec").is_err());
        assert_eq!(parse_shard("3/4"), Ok(Shard { index: 3, count: 4 }));
        assert!(parse_shard("4/4").is_err());
        assert!(parse_shard("1").is_err());
    }

    #[test]
    fn day_counts() {
        assert_eq!(parse_days("14d"), Ok(14));
        assert_eq!(parse_days("2w"), Ok(14));
        assert_eq!(parse_days("90"), Ok(90));
        assert!(parse_days("0d").is_err());
        assert!(parse_days("soon").is_err());
    }

    #[test]
    fn format_names_resolve_through_the_registry() {
        let cli = Cli::try_parse_from([
            "shadowai", "scan", "x", "--out", "o", "--format", "zeek-dns",
        ])
        .unwrap();
        let Command::Scan(args) = cli.command else {
            panic!("not scan")
        };
        assert_eq!(
            args.into_config(Vec::new(), String::new())
                .format
                .map(|f| f.name()),
            Some("zeek-dns")
        );
        // Unknown names are refused by `scan` once the --format-file formats are loaded.
        let cli = Cli::try_parse_from(["shadowai", "scan", "x", "--out", "o", "--format", "nope"])
            .unwrap();
        let Command::Scan(args) = cli.command else {
            panic!("not scan")
        };
        assert!(args.into_config(Vec::new(), String::new()).format.is_none());
    }
}
