//! Identity: who had an IP address when. DNS logs and unauthenticated proxies name only a
//! client address; DHCP and VPN lease history turns it into a person — at the event's time,
//! not today's lease table (an address changes hands many times in a two-week audit).
//!
//! Inputs: a CSV `ip,user[,start,end]` (header names forgiving; times ISO 8601 or Unix
//! seconds; an empty start or end is open), or an ISC `dhcpd.leases` file (`lease IP { starts
//! …; ends …; client-hostname "…"; }`, the host name standing in for the user).

use std::collections::HashMap;
use std::path::Path;

use crate::exit::at_line as usage;
use crate::time::{days_from_civil, parse_epoch, parse_iso8601};

/// One lease: `user` held the address from `start` to `end` (inclusive, Unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Lease {
    start: i64,
    end: i64,
    user: Box<[u8]>,
}

/// Lease history by address.
#[derive(Debug, Default)]
pub struct Identity {
    leases: HashMap<Box<[u8]>, Vec<Lease>>,
    /// The files read, with the SHA-256 of their bytes: the evidence manifest names them.
    pub files: Vec<crate::hash::HashedFile>,
}

/// ISO 8601 (date alone = midnight UTC) or Unix seconds.
fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(t) = parse_epoch(s.as_bytes()) {
        return Some(t);
    }
    if let Some((t, _)) = parse_iso8601(s.as_bytes()) {
        return Some(t);
    }
    crate::register::parse_date(s).map(|d| i64::from(d) * 86_400)
}

/// dhcpd.leases' `4 2026/11/24 09:00:00` (weekday, date, UTC time) or `never`.
fn parse_dhcpd_time(s: &str) -> Option<i64> {
    let mut parts = s.split_whitespace();
    let first = parts.next()?;
    if first == "never" {
        return Some(i64::MAX);
    }
    let date = parts.next()?;
    let time = parts.next().unwrap_or("00:00:00");
    let d: Vec<u32> = date.split('/').filter_map(|p| p.parse().ok()).collect();
    let t: Vec<i64> = time.split(':').filter_map(|p| p.parse().ok()).collect();
    let ([y, m, dd], [hh, mm, ss]) = (d.as_slice(), t.as_slice()) else {
        return None;
    };
    Some(days_from_civil(i64::from(*y), *m, *dd) * 86_400 + hh * 3600 + mm * 60 + ss)
}

impl Identity {
    /// Reads every file, CSV or dhcpd.leases, recognized by content.
    pub fn read(paths: &[std::path::PathBuf]) -> anyhow::Result<Identity> {
        let mut id = Identity::default();
        for p in paths {
            let text = std::fs::read_to_string(p).map_err(|e| usage(p, 0, e))?;
            id.files.push(crate::hash::HashedFile {
                path: p.display().to_string(),
                sha256: crate::hash::sha256(text.as_bytes()),
            });
            let looks_dhcpd = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .is_some_and(|l| {
                    l.starts_with("lease ")
                        || l.starts_with("authoring-byte-order")
                        || l.starts_with("server-duid")
                });
            if looks_dhcpd {
                id.add_dhcpd(p, &text)?;
            } else {
                id.add_csv(p, &text)?;
            }
        }
        for leases in id.leases.values_mut() {
            leases.sort_by_key(|l| (l.start, l.end));
        }
        Ok(id)
    }

    fn add(&mut self, ip: &str, user: &str, start: i64, end: i64) {
        let mut u = Vec::new();
        crate::normalize::user_into(&mut u, user.as_bytes(), false);
        self.leases
            .entry(ip.trim().to_ascii_lowercase().into_bytes().into())
            .or_default()
            .push(Lease {
                start,
                end,
                user: u.into(),
            });
    }

    fn add_csv(&mut self, path: &Path, text: &str) -> anyhow::Result<()> {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| usage(path, 1, e))?
            .iter()
            .map(|h| {
                h.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
                    .to_ascii_lowercase()
            })
            .collect();
        let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let ip = find(&["ip", "ipaddress", "address", "clientip", "client"])
            .ok_or_else(|| usage(path, 1, "no `ip` column"))?;
        let user = find(&["user", "username", "login", "account", "hostname", "owner"])
            .ok_or_else(|| usage(path, 1, "no `user` column"))?;
        let start = find(&[
            "start",
            "from",
            "begin",
            "starts",
            "leasestart",
            "validfrom",
        ]);
        let end = find(&[
            "end", "to", "until", "ends", "leaseend", "expires", "validto",
        ]);
        for rec in rdr.records() {
            let rec =
                rec.map_err(|e| usage(path, e.position().map_or(0, |p| p.line() as usize), e))?;
            let line = rec.position().map_or(0, |p| p.line() as usize);
            let field = |i: Option<usize>| i.and_then(|i| rec.get(i)).filter(|v| !v.is_empty());
            let (Some(a), Some(u)) = (field(Some(ip)), field(Some(user))) else {
                return Err(usage(path, line, "row needs an ip and a user"));
            };
            let time = |i: Option<usize>, open: i64| match field(i) {
                None => Ok(open),
                Some(v) => parse_time(v).ok_or_else(|| {
                    usage(
                        path,
                        line,
                        format!("`{v}` is not a time (ISO 8601 or Unix seconds)"),
                    )
                }),
            };
            self.add(a, u, time(start, i64::MIN)?, time(end, i64::MAX)?);
        }
        Ok(())
    }

    fn add_dhcpd(&mut self, path: &Path, text: &str) -> anyhow::Result<()> {
        /// The `lease … { }` block being read.
        struct Block {
            ip: String,
            line: usize,
            start: Option<i64>,
            end: Option<i64>,
            host: Option<String>,
        }
        let mut current: Option<Block> = None;
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim().trim_end_matches(';');
            if let Some(rest) = line.strip_prefix("lease ") {
                let ip = rest.trim_end_matches('{').trim().to_string();
                current = Some(Block {
                    ip,
                    line: n + 1,
                    start: None,
                    end: None,
                    host: None,
                });
            } else if line == "}" {
                // A lease without a client host name names nobody: skipped.
                if let Some(Block {
                    ip,
                    line,
                    start,
                    end,
                    host: Some(host),
                }) = current.take()
                {
                    let start = start.ok_or_else(|| usage(path, line, "lease without `starts`"))?;
                    self.add(&ip, &host, start, end.unwrap_or(i64::MAX));
                }
            } else if let Some(Block {
                start, end, host, ..
            }) = current.as_mut()
            {
                if let Some(v) = line.strip_prefix("starts ") {
                    *start = Some(
                        parse_dhcpd_time(v)
                            .ok_or_else(|| usage(path, n + 1, format!("bad time `{v}`")))?,
                    );
                } else if let Some(v) = line.strip_prefix("ends ") {
                    *end = Some(
                        parse_dhcpd_time(v)
                            .ok_or_else(|| usage(path, n + 1, format!("bad time `{v}`")))?,
                    );
                } else if let Some(v) = line.strip_prefix("client-hostname ") {
                    *host = Some(v.trim_matches('"').to_string());
                }
            }
        }
        Ok(())
    }

    /// The user who held `ip` at `ts`: the lease covering that moment that started last.
    /// Without a time, only a lease open at both ends (a static assignment) applies.
    pub fn lookup(&self, ip: &[u8], ts: Option<i64>) -> Option<&[u8]> {
        let leases = self.leases.get(ip)?;
        let Some(ts) = ts else {
            return leases
                .iter()
                .find(|l| l.start == i64::MIN && l.end == i64::MAX)
                .map(|l| &*l.user);
        };
        let upto = leases.partition_point(|l| l.start <= ts);
        leases[..upto]
            .iter()
            .rev()
            .find(|l| l.end >= ts)
            .map(|l| &*l.user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("leases");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn interval_join_uses_the_lease_at_the_event_time() {
        let (_d, p) = write(
            "IP Address,User Name,Start,End\n10.0.0.5,CORP\\Alice,2026-11-09T08:00:00Z,2026-11-09T12:00:00Z\n10.0.0.5,bob@corp.example,2026-11-09T12:00:01Z,\n10.0.0.9,carol,,\n",
        );
        let id = Identity::read(&[p]).unwrap();
        let t = |h: i64| Some(1_794_182_400 + h * 3600);
        assert_eq!(id.lookup(b"10.0.0.5", t(9)), Some(&b"alice"[..]));
        assert_eq!(id.lookup(b"10.0.0.5", t(13)), Some(&b"bob"[..]));
        assert_eq!(id.lookup(b"10.0.0.5", t(7)), None, "before any lease");
        assert_eq!(id.lookup(b"10.0.0.9", None), Some(&b"carol"[..]));
        assert_eq!(id.lookup(b"10.0.0.5", None), None);
        assert_eq!(id.lookup(b"10.0.0.6", t(9)), None);
    }

    #[test]
    fn isc_dhcpd_leases() {
        let (_d, p) = write(
            "# The format of this file is documented in dhcpd.leases(5).\nauthoring-byte-order little-endian;\nlease 10.1.2.3 {\n  starts 1 2026/11/09 08:00:00;\n  ends 1 2026/11/09 20:00:00;\n  binding state active;\n  hardware ethernet 00:11:22:33:44:55;\n  client-hostname \"ALICE-LAPTOP\";\n}\n",
        );
        let id = Identity::read(&[p]).unwrap();
        assert_eq!(
            id.lookup(b"10.1.2.3", Some(1_794_182_400 + 9 * 3600)),
            Some(&b"alice-laptop"[..])
        );
        assert_eq!(
            id.lookup(b"10.1.2.3", Some(1_794_182_400 + 21 * 3600)),
            None
        );
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let (_d, p) = write("ip,user,start\n10.0.0.1,a,yesterday\n");
        let err = Identity::read(std::slice::from_ref(&p))
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("leases:2: `yesterday` is not a time (ISO 8601 or Unix seconds)"),
            "{err}"
        );
    }
}
