//! `--identity`: address leases name IP-only users by who held the address at each event's
//! time, and the summary counts the events attributed.

use crate::util::{per_user_events, repo, scan, summary};

#[test]
fn identity_leases_name_ip_only_users_at_the_event_time() {
    let tmp = tempfile::tempdir().unwrap();
    // 10.2.0.21 queried chatgpt.com on 2026-11-09 and claude.ai later (sample-logs/zeek-dns).
    let leases = tmp.path().join("leases.csv");
    std::fs::write(&leases, "ip,user,start,end\n10.2.0.21,CORP\\erin,2026-11-09T00:00:00Z,2026-11-15T23:59:59Z\n10.2.0.21,frank,2026-11-16,\n").unwrap();
    let out = tmp.path().join("out");
    let run = scan(
        &[&repo("sample-logs/zeek-dns")],
        &out,
        &["--identity", leases.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(0));
    let got = per_user_events(&out);
    let plain_out = tmp.path().join("plain");
    scan(&[&repo("sample-logs/zeek-dns")], &plain_out, &[]);
    let plain = per_user_events(&plain_out);
    let ip_total: u64 = plain
        .iter()
        .filter(|((u, _), _)| u == "10.2.0.21")
        .map(|(_, n)| n)
        .sum();
    let leased: u64 = got
        .iter()
        .filter(|((u, _), _)| u == "erin" || u == "frank")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(leased, ip_total, "every event of the address is attributed");
    assert!(got.keys().any(|(u, _)| u == "erin") && got.keys().any(|(u, _)| u == "frank"));
    assert!(!got.keys().any(|(u, _)| u == "10.2.0.21"));
    let s = summary(&out);
    let total: u64 = plain.values().sum();
    assert_eq!(s["identity"]["attributed_events"].as_u64(), Some(ip_total));
    assert_eq!(
        s["identity"]["unattributed_events"].as_u64(),
        Some(total - ip_total)
    );
}
