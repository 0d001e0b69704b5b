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
use super::overview::grouped;
use super::{Exporter, Report};
use crate::aggregate::{Agg, UserId};
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
        let usage = &agg.usage;
        let devices: HashSet<UserId> = usage
            .seen_on()
            .filter(|((user, _), seen)| seen.devices.contains(usage.name(*user)))
            .map(|((user, _), _)| *user)
            .collect();
        let mut kinds = UserKinds::default();
        let mut used = vec![false; usage.users()];
        for (k, c) in usage.cells() {
            if c.use_events() > 0 && keep(k.tool) {
                used[k.user as usize] = true;
            }
        }
        let users = (0..usage.users() as UserId).filter(|&u| used[u as usize]);
        for id in users {
            let user = usage.name(id);
            if is_address(user) {
                kinds.addresses += 1;
            } else if devices.contains(&id) {
                kinds.devices += 1;
            } else if user != UNKNOWN {
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
            totals: r.overview().totals.clone(),
            duplicates: r.files.iter().filter(|f| f.duplicate.is_some()).count() as u64,
            findings: r.overview().by_severity.clone(),
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
    use crate::signatures::Evidence;

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
            agg.usage.add(user, 0, None, None, Evidence::Use);
        }
        // Contact without use makes no one a user.
        for _ in 0..3 {
            agg.usage.add(b"dave", 0, None, None, Evidence::Incidental);
        }
        agg.usage
            .add_seen_on(b"lt-carol", 0, Some(b"lt-carol"), Some(b"chrome.exe"));
        agg.usage.add_seen_on(b"alice", 0, Some(b"lt-alice"), None);
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
