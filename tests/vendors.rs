//! Issue 19 item 3: the vendor formats added in round 25 (Suricata EVE, ECS, OCSF, Cloudflare
//! Gateway DNS and HTTP, Azure Firewall, Google Cloud DNS), each detected without `--format`
//! from its sample and counted exactly per user × tool, events and bytes out. The samples
//! share people and addresses (dave, 10.3.0.11, 10.3.0.12) as one site's sensors would, which
//! also keeps the whole `sample-logs/` report under its table caps.

use crate::util::{per_user_counts, per_user_want, repo, scan_sample};

/// (sample folder, format it must be detected as, its lines, events, ignored lines, and the
/// exact (user, tool, events, bytes out) rows it yields), counted by hand from each sample;
/// bytes out is `None` where no line of the row records an upload size.
type Case = (
    &'static str,
    &'static str,
    u64,
    u64,
    u64,
    &'static [(&'static str, &'static str, u64, Option<u64>)],
);

const CASES: [Case; 7] = [
    // A v2 query and its answer are one event; tls without SNI, flow, alert, stats ignored.
    (
        "suricata-eve",
        "suricata-eve",
        10,
        4,
        6,
        &[
            ("10.3.0.11", "chatgpt", 2, None),
            ("10.3.0.12", "claude", 1, None),
            ("10.3.0.12", "perplexity", 1, None),
        ],
    ),
    // Nested and flat documents; http.request.bytes is bytes out; the flow is ignored.
    (
        "ecs",
        "ecs",
        6,
        5,
        1,
        &[
            ("10.3.0.11", "chatgpt", 1, None),
            ("dave", "claude", 1, Some(48213)),
            ("dave", "openai-api", 1, Some(2048)),
            ("dave", "gemini", 1, None),
            ("dave", "deepseek", 1, None),
        ],
    ),
    // DNS (trailing dot), HTTP and TLS-SNI network activity; traffic.bytes_out; a VPC flow ignored.
    (
        "ocsf",
        "ocsf",
        5,
        4,
        1,
        &[
            ("10.3.0.11", "chatgpt", 1, None),
            ("10.3.0.12", "claude", 1, None),
            ("dave", "le-chat", 1, Some(15360)),
            ("dave", "gemini", 1, Some(4096)),
        ],
    ),
    // Unix nanoseconds and RFC 3339; the non_identity placeholder is no user.
    (
        "cloudflare-gateway-dns",
        "cloudflare-gateway-dns",
        4,
        4,
        0,
        &[
            ("dave", "chatgpt", 2, None),
            ("dave", "claude", 1, None),
            ("198.51.100.21", "perplexity", 1, None),
        ],
    ),
    (
        "cloudflare-gateway-http",
        "cloudflare-gateway-http",
        3,
        3,
        0,
        &[
            ("dave", "chatgpt", 2, None),
            ("dave", "microsoft-copilot", 1, None),
        ],
    ),
    // Legacy msg text, AZFWApplicationRule, DNS proxy; no-SNI and network rule ignored.
    (
        "azure-firewall",
        "azure-firewall",
        6,
        4,
        2,
        &[
            ("10.3.0.11", "chatgpt", 1, None),
            ("10.3.0.11", "claude", 1, None),
            ("10.3.0.12", "deepseek", 1, None),
            ("10.3.0.12", "anthropic-api", 1, None),
        ],
    ),
    (
        "gcp-dns",
        "gcp-dns",
        3,
        3,
        0,
        &[
            ("10.6.0.4", "openai-api", 2, None),
            ("10.6.0.7", "gemini-api", 1, None),
        ],
    ),
];

#[test]
fn issue_19_new_vendor_samples_are_detected_and_counted_exactly() {
    for (dir, format, lines, events, ignored, want) in CASES {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let s = scan_sample(&repo(&format!("sample-logs/{dir}")), &out);
        let file = &s["files"][0];
        assert_eq!(file["format"], format, "{dir}");
        let t = &s["totals"];
        assert_eq!(
            [&t["lines"], &t["events"], &t["ignored"], &t["skipped"]].map(|v| v.as_u64()),
            [Some(lines), Some(events), Some(ignored), Some(0)],
            "{dir}"
        );
        assert_eq!(per_user_counts(&out), per_user_want(want), "{dir}");
    }
}
