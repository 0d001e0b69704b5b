//! `--directory`: the HR / AD / Entra export that says which department and manager each
//! person belongs to, so the reports can say which team uses what (`per-department.csv`, the
//! `department` and `manager` columns, the "By department" section, `shadowai digest`).
//!
//! A directory row is keyed by both its account (`sAMAccountName`) and its email / UPN, each
//! normalized with the one user normalizer the scan applies to logged users
//! ([`crate::normalize::user_into`]), so `alice`, `CORP\alice` and `alice@corp.example.com`
//! in the logs all join the row `alice,alice@corp.example.com`. The join runs on the users the
//! aggregates hold — after `--identity` has named the users of IP-only events, before
//! pseudonymization — so it works the same for a scan, a merge and a `--state` window.
//!
//! What is written: the department in clear (a team is not a person, and a works council asks
//! for team-level figures), the manager as written or, with `--pseudonymize-key`, as the
//! manager's user token (a manager is a person). Display names are read past and never
//! written: they are the one column that names a person outright.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::aggregate::{Cell, Usage, UserId};
use crate::exit::at_line as error;
use crate::policy::{Policy, Tier};
use crate::pseudonym::Users;
use crate::register::key;
use crate::signatures::{Catalogue, ToolId};
use crate::time::fmt_rfc3339;

/// The department of people the directory does not list (and of client addresses).
pub const NOT_IN_DIRECTORY: &str = "(not in directory)";

/// Duplicate-key warnings printed one by one; the rest are counted.
const MAX_DUPLICATE_WARNINGS: usize = 10;

/// The columns a directory is read by, found by header name (compared as the register's are:
/// lowercase, letters and digits only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Field {
    Account,
    Email,
    Department,
    Manager,
    /// Read past, never written: it names the person.
    DisplayName,
    CostCenter,
    Title,
}

const HEADERS: &[(&str, Field)] = &[
    ("samaccountname", Field::Account),
    ("user", Field::Account),
    ("username", Field::Account),
    ("login", Field::Account),
    ("loginname", Field::Account),
    ("logonname", Field::Account),
    ("account", Field::Account),
    ("accountname", Field::Account),
    ("userid", Field::Account),
    ("mail", Field::Email),
    ("email", Field::Email),
    ("emailaddress", Field::Email),
    ("userprincipalname", Field::Email),
    ("upn", Field::Email),
    ("department", Field::Department),
    ("dept", Field::Department),
    ("departmentname", Field::Department),
    ("manager", Field::Manager),
    ("managername", Field::Manager),
    ("manageraccount", Field::Manager),
    ("displayname", Field::DisplayName),
    ("name", Field::DisplayName),
    ("fullname", Field::DisplayName),
    ("costcenter", Field::CostCenter),
    ("costcentre", Field::CostCenter),
    ("title", Field::Title),
    ("jobtitle", Field::Title),
];

/// One directory row (what the reports may use of it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Person {
    /// Where it came from, for messages: `FILE:LINE`.
    pub at: String,
    /// The account and email / UPN cells as written.
    keys: Vec<String>,
    /// Department as written, trimmed.
    pub department: String,
    /// Manager as written (an AD distinguished name reduced to its `CN`).
    pub manager: String,
    /// Cost center as written.
    pub cost_center: String,
    /// Job title as written.
    pub title: String,
}

/// Every `--directory` file, read and checked before any log is.
#[derive(Clone, Debug, Default)]
pub struct Directory {
    /// Rows in file order, files in command-line order (first row wins on a duplicate key).
    people: Vec<Person>,
    /// Rows without an account or email, as `FILE:LINE`: told, not silently dropped.
    pub keyless: Vec<String>,
    /// The files read, with the SHA-256 of each (a workbook's own bytes), for the evidence
    /// manifest.
    pub files: Vec<crate::hash::HashedFile>,
}

/// An AD `manager` attribute is a distinguished name (`CN=Bob Smith,OU=Staff,DC=corp`): the
/// `CN` is the part a reader (and a digest's file name) wants. Anything else stays as written.
fn manager_name(cell: &str) -> String {
    let Some(rest) = cell
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("cn="))
        .and_then(|_| cell.get(3..))
    else {
        return cell.to_string();
    };
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            ',' => break,
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

impl Directory {
    /// Reads every file (CSV, or the first sheet of a workbook, as the register is read). A file
    /// that cannot be read, has no header or no account/email column is a usage error naming
    /// it (and the line).
    pub fn read(paths: &[PathBuf]) -> anyhow::Result<Directory> {
        let mut dir = Directory::default();
        for path in paths {
            let stored = std::fs::read(path).map_err(|e| error(path, 0, e))?;
            dir.files.push(crate::hash::HashedFile {
                path: path.display().to_string(),
                sha256: crate::hash::sha256(&stored),
            });
            let bytes = if crate::register::is_workbook(path) {
                crate::register::workbook_as_csv(path)?
            } else {
                stored
            };
            dir.parse(path, &bytes)?;
        }
        Ok(dir)
    }

    fn parse(&mut self, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        let (names, records) = crate::register::csv_with_header(path, bytes, "directory")?;
        let mut cols: HashMap<Field, usize> = HashMap::new();
        for (i, name) in names.iter().enumerate() {
            let k = key(name);
            if let Some((_, f)) = HEADERS.iter().find(|(h, _)| *h == k) {
                cols.entry(*f).or_insert(i);
            }
        }
        if !cols.contains_key(&Field::Account) && !cols.contains_key(&Field::Email) {
            return Err(error(
                path,
                1,
                format!(
                    "no account (`sAMAccountName`, `user`, `login`) or email (`mail`, `userPrincipalName`) column among: {}",
                    names.join(", ")
                ),
            ));
        }
        if !cols.contains_key(&Field::Department) && !cols.contains_key(&Field::Manager) {
            return Err(error(
                path,
                1,
                format!(
                    "no `department` or `manager` column among: {}",
                    names.join(", ")
                ),
            ));
        }
        for rec in records {
            let rec =
                rec.map_err(|e| error(path, e.position().map_or(0, |p| p.line() as usize), e))?;
            let line = rec.position().map_or(0, |p| p.line() as usize);
            if rec.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            let cell = |f: Field| {
                cols.get(&f)
                    .and_then(|&i| rec.get(i))
                    .map(|v| String::from_utf8_lossy(v).trim().to_string())
                    .unwrap_or_default()
            };
            let keys: Vec<String> = [cell(Field::Account), cell(Field::Email)]
                .into_iter()
                .filter(|k| !k.is_empty())
                .collect();
            let at = format!("{}:{line}", path.display());
            if keys.is_empty() {
                self.keyless.push(at);
                continue;
            }
            self.people.push(Person {
                at,
                keys,
                department: cell(Field::Department),
                manager: manager_name(&cell(Field::Manager)),
                cost_center: cell(Field::CostCenter),
                title: cell(Field::Title),
            });
        }
        Ok(())
    }

    /// The lookup from normalized user to row, normalized as the scan normalized its users
    /// (`keep_domain`: `--keep-user-domain`). A key two rows share belongs to the first; each
    /// later row is named on stderr (the first [`MAX_DUPLICATE_WARNINGS`], then a count), as
    /// are the rows with no key at all.
    pub fn index(&self, keep_domain: bool) -> People<'_> {
        let mut by_user: HashMap<Box<[u8]>, usize> = HashMap::new();
        let mut duplicates = 0usize;
        let mut norm = Vec::new();
        for (i, p) in self.people.iter().enumerate() {
            let mut own: BTreeSet<Box<[u8]>> = BTreeSet::new();
            for k in &p.keys {
                crate::normalize::user_into(&mut norm, k.as_bytes(), keep_domain);
                own.insert(norm.as_slice().into());
            }
            for k in own {
                match by_user.get(&k) {
                    Some(&first) => {
                        duplicates += 1;
                        if duplicates <= MAX_DUPLICATE_WARNINGS {
                            eprintln!(
                                "shadowai: {}: directory user `{}` is already at {}; the first row is used",
                                p.at,
                                String::from_utf8_lossy(&k),
                                self.people[first].at
                            );
                        }
                    }
                    None => {
                        by_user.insert(k, i);
                    }
                }
            }
        }
        if duplicates > MAX_DUPLICATE_WARNINGS {
            eprintln!(
                "shadowai: {} more duplicate directory user(s); the first row of each is used",
                duplicates - MAX_DUPLICATE_WARNINGS
            );
        }
        for at in &self.keyless {
            eprintln!(
                "shadowai: {at}: directory row has neither an account nor an email; not used"
            );
        }
        People {
            by_user,
            people: &self.people,
        }
    }
}

/// The directory indexed by normalized user.
pub struct People<'a> {
    by_user: HashMap<Box<[u8]>, usize>,
    people: &'a [Person],
}

impl People<'_> {
    /// The row of a normalized user.
    pub fn get(&self, user: &[u8]) -> Option<&Person> {
        self.by_user.get(user).map(|&i| &self.people[i])
    }

    /// The department and manager the outputs show for `user`: `(not in directory)` and no
    /// manager for people the directory does not list; the manager as a user token when users
    /// are (see the module documentation).
    pub fn show(&self, user: &[u8], users: &Users) -> (String, String) {
        let Some(p) = self.get(user) else {
            return (NOT_IN_DIRECTORY.to_string(), String::new());
        };
        let manager = if users.pseudonymized() && !p.manager.is_empty() {
            let mut norm = Vec::new();
            crate::normalize::user_into(&mut norm, p.manager.as_bytes(), false);
            users.show(&norm)
        } else {
            p.manager.clone()
        };
        (p.department.clone(), manager)
    }
}

/// One row of `per-department.csv`: a department × tool.
#[derive(Clone, Debug, Serialize)]
pub struct DepartmentRow {
    /// Department (or [`NOT_IN_DIRECTORY`]).
    pub department: String,
    /// Tool slug.
    pub tool_id: String,
    /// Tool name.
    pub tool: String,
    /// Policy tier, written as its number.
    pub tier: Tier,
    /// Distinct people of the department who used the tool.
    pub users: u64,
    /// Events.
    pub events: u64,
    /// Uploaded bytes; `None` (an empty cell) when no source measured them.
    pub bytes_out: Option<u64>,
    /// RFC 3339, empty when unknown.
    pub first_seen: String,
    /// RFC 3339, empty when unknown.
    pub last_seen: String,
}

/// The department roll-up every output that shows teams uses.
#[derive(Clone, Debug, Default)]
pub struct Departments {
    /// Department × tool, by department (people not in the directory last), then most users.
    pub rows: Vec<DepartmentRow>,
    /// Per department (same order): distinct people per tier (index [`Tier::index`]) and in
    /// all, for the heat table.
    pub heat: Vec<(String, [u64; 4], u64)>,
}

/// Sort key of a department: people not in the directory last.
fn dept_order(d: &str) -> (bool, &str) {
    (d == NOT_IN_DIRECTORY, d)
}

/// Rolls the usage up by department × tool (distinct people, events, uploads, times).
pub fn departments(
    usage: &Usage,
    people: &People,
    catalogue: &Catalogue,
    policy: &Policy,
) -> Departments {
    // Distinct people as user ids: each user has one (see [`Usage::intern`]).
    type Acc = (Cell, BTreeSet<UserId>);
    let mut cells: BTreeMap<(&str, ToolId), Acc> = BTreeMap::new();
    // Per department: people per tier, and people in all.
    type Heat = ([BTreeSet<UserId>; 4], BTreeSet<UserId>);
    let mut heat: BTreeMap<&str, Heat> = BTreeMap::new();
    // As `per-tool.csv`: a person × tool counts when any of its events is use; contact
    // without use is no one's use of the tool (issue 18).
    for (&(user, tool), cell) in usage.pairs().iter() {
        if cell.use_events() == 0 {
            continue;
        }
        let dept = people
            .get(usage.name(user))
            .map_or(NOT_IN_DIRECTORY, |p| p.department.as_str());
        let h = heat.entry(dept).or_default();
        h.1.insert(user);
        h.0[policy.tier(tool).index()].insert(user);
        let acc = cells.entry((dept, tool)).or_default();
        acc.0.merge(cell);
        acc.1.insert(user);
    }
    let mut rows: Vec<DepartmentRow> = cells
        .into_iter()
        .map(|((dept, tool), (cell, users))| {
            let t = &catalogue.tools[tool as usize];
            DepartmentRow {
                department: dept.to_string(),
                tool_id: t.id.clone(),
                tool: t.name.clone(),
                tier: policy.tier(tool),
                users: users.len() as u64,
                events: cell.events,
                bytes_out: cell.uploaded(),
                first_seen: cell.first.map(fmt_rfc3339).unwrap_or_default(),
                last_seen: cell.last.map(fmt_rfc3339).unwrap_or_default(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        dept_order(&a.department)
            .cmp(&dept_order(&b.department))
            .then_with(|| (b.users, b.events).cmp(&(a.users, a.events)))
            .then_with(|| a.tool_id.cmp(&b.tool_id))
    });
    let mut heat: Vec<(String, [u64; 4], u64)> = heat
        .into_iter()
        .map(|(d, (tiers, all))| {
            (
                d.to_string(),
                tiers.map(|s| s.len() as u64),
                all.len() as u64,
            )
        })
        .collect();
    heat.sort_by(|a, b| dept_order(&a.0).cmp(&dept_order(&b.0)));
    Departments { rows, heat }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(text: &str) -> anyhow::Result<Directory> {
        let mut d = Directory::default();
        d.parse(Path::new("ad.csv"), text.as_bytes())?;
        Ok(d)
    }

    #[test]
    fn account_and_email_join_every_logged_form() {
        let d = dir("sAMAccountName,mail,Department,Manager,displayName\n\
                     alice,alice@corp.example.com,Finance,\"CN=Bob Smith,OU=Staff,DC=corp\",Alice A\n\
                     ,carol@corp.example.com,Legal,dave,Carol C\n")
        .unwrap();
        let people = d.index(false);
        for logged in [
            "alice",
            "CORP\\Alice",
            "alice@corp.example.com",
            "CORP%5calice",
        ] {
            let mut u = Vec::new();
            crate::normalize::user_into(&mut u, logged.as_bytes(), false);
            let p = people.get(&u).unwrap();
            assert_eq!(
                (p.department.as_str(), p.manager.as_str()),
                ("Finance", "Bob Smith")
            );
        }
        assert_eq!(people.get(b"carol").unwrap().department, "Legal");
        assert!(people.get(b"mallory").is_none());
        let (dept, manager) = people.show(b"mallory", &Users::plain());
        assert_eq!((dept.as_str(), manager.as_str()), (NOT_IN_DIRECTORY, ""));
        // Display names are never kept.
        assert!(!format!("{:?}", d.people).contains("Alice A"));
    }

    #[test]
    fn first_row_wins_and_keep_domain_keeps_it_whole() {
        let d = dir("user;department\nalice;Finance\nALICE;Sales\nCORP\\bob;IT\n").unwrap();
        assert_eq!(d.index(false).get(b"alice").unwrap().department, "Finance");
        assert_eq!(d.index(false).get(b"bob").unwrap().department, "IT");
        assert!(d.index(true).get(b"bob").is_none());
        assert_eq!(d.index(true).get(b"corp\\bob").unwrap().department, "IT");
    }

    #[test]
    fn bad_directories_are_usage_errors_naming_file_and_line() {
        let e = dir("").unwrap_err().to_string();
        assert!(e.starts_with("ad.csv:1:"), "{e}");
        let e = dir("name,department\nx,y\n").unwrap_err().to_string();
        assert!(e.contains("ad.csv:1: no account"), "{e}");
        let e = dir("user,title\nx,y\n").unwrap_err().to_string();
        assert!(e.contains("no `department` or `manager`"), "{e}");
        let e = Directory::read(&[PathBuf::from("no/such/ad.csv")]).unwrap_err();
        assert!(e.downcast_ref::<crate::exit::UsageError>().is_some());
        assert!(e.to_string().starts_with("no/such/ad.csv:0:"), "{e}");
        let d = dir("user,department\n,Finance\n").unwrap();
        assert_eq!(d.keyless, vec!["ad.csv:2".to_string()]);
    }

    #[test]
    fn manager_dn_is_reduced_to_its_cn() {
        assert_eq!(manager_name("CN=Smith\\, Bob,OU=Staff"), "Smith, Bob");
        assert_eq!(manager_name("bob"), "bob");
        assert_eq!(manager_name("cn=Eve"), "Eve");
    }
}
