//! Section "Method": how events become findings, the inputs and settings behind the numbers,
//! the tiers and the rules.

use crate::policy::{Rule, Tier};
use crate::report::html::Page;
use crate::report::overview::{Overview, bytes};
use crate::report::{AUDIT_DAYS, Report};

pub(super) fn body(p: &mut Page, r: &Report, _: &Overview) {
    p.raw("<p>Every log line that names a host is one event. Hosts are matched against the signature catalogue (the most specific pattern wins; <code>chatgpt.com</code> matches <code>ab.chatgpt.com</code>, never <code>notchatgpt.com</code>). Each tool's tier comes from the AI Tool Register; a tool the register does not list is tier ")
        .int(i64::from(Tier::UNREGISTERED.number()))
        .raw(". Times are UTC.</p>");
    p.raw("<p>Each event is evidence of use (the tool's app, API, uploads, sign-in or desktop program) or only incidental (a widget embedded in another site, a shared link, the vendor's docs, help or status pages, hot-linked media, a site someone published with the tool), by the catalogue role of the matched host and, where the log records the URL path, the tool's path rules. A person and tool with any event of use is a user of the tool; one with only incidental events is listed under \"Contact without use\" and yields no finding.</p>");
    p.raw("<dl class=\"facts\"><dt>Generated</dt><dd>")
        .text(&r.manifest.generated_text())
        .raw("</dd><dt>Evidence</dt><dd>")
        .text(&r.manifest_line())
        .raw("</dd><dt>Generator</dt><dd>shadowai ")
        .text(env!("CARGO_PKG_VERSION"))
        .raw("</dd><dt>Signature catalogue</dt><dd>version <code>")
        .text(&r.catalogue.version)
        .raw("</code>, ")
        .num(r.catalogue.tools.len() as u64)
        .raw(" tools, ")
        .num(r.catalogue.patterns.len() as u64)
        .raw(" host patterns");
    if !r.catalogue.files.is_empty() {
        p.raw(", from ").text(&r.catalogue.files.join(", "));
    }
    p.raw("</dd><dt>AI Tool Register</dt><dd>");
    match r.policy.register {
        Some(reg) => {
            p.text(&reg.path.display().to_string())
                .raw(": ")
                .num(reg.entries.len() as u64)
                .raw(" rows, ")
                .num(reg.entries.iter().filter(|e| e.tool.is_some()).count() as u64)
                .raw(" joined to catalogue tools");
        }
        None => {
            p.raw("none; every tool is tier 4");
        }
    }
    p.raw("</dd><dt>Upload threshold</dt><dd>")
        .text(&bytes(r.policy.upload_threshold))
        .raw(" (")
        .num(r.policy.upload_threshold)
        .raw(" bytes) per user, tool and day</dd><dt>Coverage needed</dt><dd>")
        .num(AUDIT_DAYS as u64)
        .raw(" consecutive days per source</dd><dt>Users</dt><dd>")
        .raw(if r.users.pseudonymized() {
            "pseudonymized (keyed HMAC tokens, devices too)"
        } else {
            "as logged (lowercased; domain parts removed unless --keep-user-domain)"
        })
        .raw("</dd></dl>");
    p.raw("<h3>Tiers</h3><table id=\"tiers-table\">");
    p.thead(&[("Tier", false), ("Meaning", false)]);
    p.raw("<tbody>");
    for tier in Tier::ALL {
        p.raw("<tr><td>")
            .tier(tier)
            .raw("</td><td>")
            .text(&tier.label())
            .raw("</td></tr>");
    }
    p.raw("</tbody></table>");
    p.raw("<h3>Rules</h3><table id=\"rules-table\">");
    p.thead(&[
        ("Rule", false),
        ("Severity", false),
        ("Policy clause", false),
    ]);
    p.raw("<tbody>");
    for rule in Rule::ALL {
        let sev = rule.severity();
        p.raw("<tr><td><code>")
            .text(rule.name())
            .raw("</code></td><td><span class=\"sev ")
            .raw(sev.name())
            .raw("\">")
            .raw(sev.name())
            .raw("</span></td><td>")
            .text(rule.clause())
            .raw("</td></tr>");
    }
    p.raw("</tbody></table>");
    p.raw("<h3>Settings</h3><p class=\"note\">The scan that gives these numbers (the inputs are listed above); a merge of partial aggregates shows the scan it equals.</p><pre><code id=\"settings\">")
        .text(&r.config.command_line)
        .raw("</code></pre>");
}
