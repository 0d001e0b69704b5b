//! The end-of-run block on stderr (as ripgrep's `--stats`): what was read, who and what was
//! found, and where the report is. Without it a scheduled run left no trace of its result
//! but its exit code (the progress bar clears itself, and is never drawn without a terminal).
//!
//! Its numbers are `summary.json`'s [`Totals`] and `findings`, computed by the same code, so
//! the block and the report cannot disagree.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::PathBuf;

use super::json::Totals;
use super::overview::{Overview, grouped};
use super::{Exporter, Report};
use crate::aggregate::Agg;
use crate::policy::Severity;

/// The user every event is counted under when it names no user, address or device.
const UNKNOWN: &[u8] = b"unknown";

/// What the reported users are: a user is keyed by the account a log names (or a lease gave
/// its address), else by the client address, else by the endpoint device (see
/// `pipeline::Worker::count`). The key alone does not say which, so:
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct UserKinds {
    /// Named by an account, a name or an email: everyone not below.
    pub(crate) people: u64,
    /// A bare IPv4 or IPv6 address: events no identity mapping attributed to a person.
    pub(crate) addresses: u64,
    /// An endpoint host name: events that named neither user nor address, keyed by the device
    /// they were seen on (the key is then among its own devices).
    pub(crate) devices: u64,
}

impl UserKinds {
    /// The kinds of the users in `agg` with any event of use (the users the headline counts;
    /// contact without use makes no one a user). The user `unknown` (events naming no user,
    /// address or device) is none of them.
    pub(crate) fn of(agg: &Agg) -> UserKinds {
        UserKinds::of_tools(agg, |_| true)
    }

    /// The kinds of the users with any event of use of a tool `keep` accepts (the headline's
    /// unapproved users: tier-4 tools).
    pub(crate) fn of_tools(
        agg: &Agg,
        keep: impl Fn(crate::signatures::ToolId) -> bool,
    ) -> UserKinds {
        let devices: HashSet<&[u8]> = agg
            .seen_on
            .iter()
            .filter(|((user, _), seen)| seen.devices.contains(user))
            .map(|((user, _), _)| &**user)
            .collect();
        let mut kinds = UserKinds::default();
        let users = agg
            .usage
            .iter()
            .filter(|(_, cells)| {
                cells
                    .iter()
                    .any(|((tool, _), c)| c.use_events() > 0 && keep(*tool))
            })
            .map(|(user, _)| user);
        for user in users {
            if is_address(user) {
                kinds.addresses += 1;
            } else if devices.contains(&**user) {
                kinds.devices += 1;
            } else if **user != *UNKNOWN {
                kinds.people += 1;
            }
        }
        kinds
    }
}

/// Whether a user key is an IP address, as the logs write it (`10.1.2.3`, `fe80::1`,
/// `[fe80::1]`, `fe80::1%eth0`).
fn is_address(user: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(user) else {
        return false;
    };
    let text = text.trim_start_matches('[').trim_end_matches(']');
    let text = text.split_once('%').map_or(text, |(ip, _zone)| ip);
    text.parse::<IpAddr>().is_ok()
}

/// The numbers of the end-of-run block.
pub struct Tally {
    totals: Totals,
    /// Inputs not read because another holds their content.
    duplicates: u64,
    /// Findings per severity, every severity present.
    findings: BTreeMap<Severity, u64>,
    /// Whether a register was given (else every tool is "not in the register").
    register: bool,
    /// The page to open.
    report: PathBuf,
}

impl Tally {
    /// The numbers of a report about to be written.
    pub fn of(r: &Report) -> Tally {
        Tally {
            totals: Totals::of(r),
            duplicates: r.files.iter().filter(|f| f.duplicate.is_some()).count() as u64,
            findings: Overview::of(r).by_severity,
            register: r.policy.register.is_some(),
            report: r.config.out.join(super::html::Html.file_name()),
        }
    }

    /// Writes the block (five lines).
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let t = &self.totals;
        writeln!(
            w,
            "shadowai: read {} ({} with errors, {}), {}, {}, {} on AI tools ({} incidental)",
            count(t.files, "file", "files"),
            grouped(t.files_with_errors),
            count(self.duplicates, "duplicate", "duplicates"),
            count(t.lines, "line", "lines"),
            count(t.events, "event", "events"),
            grouped(t.matched_events),
            grouped(t.incidental_events),
        )?;
        writeln!(
            w,
            "  users: {} ({}, {}, {}); {} more with contact but no use",
            grouped(t.users),
            count(t.people, "person", "people"),
            count(t.addresses, "address", "addresses"),
            count(t.devices, "device", "devices"),
            grouped(t.incidental_only_users),
        )?;
        if self.register {
            writeln!(
                w,
                "  tools: {} ({} not in the register)",
                grouped(t.tools),
                grouped(t.unregistered_tools)
            )?;
        } else {
            writeln!(w, "  tools: {} (no --register given)", grouped(t.tools))?;
        }
        let findings: Vec<String> = self
            .findings
            .iter()
            .filter(|(s, n)| **s != Severity::Info || **n > 0)
            .map(|(s, n)| format!("{} {}", grouped(*n), s.name()))
            .collect();
        writeln!(w, "  findings: {}", findings.join(", "))?;
        writeln!(w, "  report: {}", self.report.display())
    }

    /// Prints the block on stderr. A closed or failing stderr loses the block, never the run:
    /// the reports are written by then.
    pub fn print(&self) {
        let mut err = io::stderr().lock();
        let _ = self.write(&mut err).and_then(|()| err.flush());
    }
}

/// `1 file`, `2 files`, `1,024 files`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::SeenOn;

    #[test]
    fn users_are_people_addresses_or_devices() {
        let mut agg = Agg::default();
        for user in [
            &b"alice"[..],
            b"bob@corp.example",
            b"10.0.0.7",
            b"fe80::1",
            b"[2001:db8::2]",
            b"fe80::3%eth0",
            b"lt-carol",
            b"unknown",
        ] {
            let cells = agg.usage.entry(user.into()).or_default();
            cells.entry(Default::default()).or_default().events = 1;
        }
        // Contact without use makes no one a user.
        let cells = agg.usage.entry(b"dave"[..].into()).or_default();
        let cell = cells.entry(Default::default()).or_default();
        (cell.events, cell.incidental) = (3, 3);
        let mut seen = SeenOn::default();
        seen.add(Some(b"lt-carol"), Some(b"chrome.exe"));
        agg.seen_on.insert((b"lt-carol"[..].into(), 0), seen);
        let mut alice = SeenOn::default();
        alice.add(Some(b"lt-alice"), None);
        agg.seen_on.insert((b"alice"[..].into(), 0), alice);
        assert_eq!(
            UserKinds::of(&agg),
            UserKinds {
                people: 2,
                addresses: 4,
                devices: 1
            }
        );
    }

    #[test]
    fn counts_are_singular_or_plural_and_grouped() {
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(0, "file", "files"), "0 files");
        assert_eq!(count(12_345, "line", "lines"), "12,345 lines");
    }
}
