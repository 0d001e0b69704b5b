//! Signatures from the command line: `shadowai match` names the tool and pattern a host
//! matches, a user signature file adds tools, and a bad one names its file and line.

use crate::util::shadowai;

#[test]
fn match_explains_the_pattern() {
    let run = shadowai(&[
        "match",
        "https://Chat.OpenAI.com/c/1",
        "notchatgpt.com",
        "=1+1",
        "https://chatgpt.com/share/6812-abcd",
        "help.openai.com",
    ]);
    assert_eq!(run.status.code(), Some(0));
    let text = String::from_utf8(run.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "host,tool_id,tool,vendor,category,pattern,role,evidence"
    );
    assert_eq!(
        lines[1],
        "chat.openai.com,chatgpt,ChatGPT,OpenAI,chat-assistant,openai.com,app,use"
    );
    assert_eq!(lines[2], "notchatgpt.com,,,,,,,");
    assert_eq!(lines[3], "'=1+1,,,,,,,");
    // Issue 18: the role of the host, and the evidence after the tool's path rules.
    assert_eq!(
        lines[4],
        "chatgpt.com,chatgpt,ChatGPT,OpenAI,chat-assistant,chatgpt.com,app,incidental"
    );
    assert_eq!(
        lines[5],
        "help.openai.com,chatgpt,ChatGPT,OpenAI,chat-assistant,help.openai.com,docs,incidental"
    );
}

#[test]
fn user_signatures_add_tools_and_bad_ones_name_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("inhouse.toml");
    std::fs::write(
        &good,
        "[[tool]]\nid = \"corp-llm-gateway\"\nname = \"Corp LLM Gateway\"\nvendor = \"Corp IT\"\ncategory = \"model-api\"\napi = [\"llm.corp.example\"]\n",
    )
    .unwrap();
    let run = shadowai(&[
        "match",
        "--signatures",
        good.to_str().unwrap(),
        "eu.llm.corp.example",
    ]);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(
        text.contains("eu.llm.corp.example,corp-llm-gateway,Corp LLM Gateway"),
        "{text}"
    );
    let bad = tmp.path().join("bad.toml");
    // A shipped id may be replaced (tests/catalogue_facts.rs); a shipped pattern may not be
    // claimed by another tool.
    std::fs::write(&bad, "[[tool]]\nid = \"not-chatgpt\"\nname = \"X\"\nvendor = \"Y\"\ncategory = \"chat-assistant\"\napp = [\"chatgpt.com\"]\n").unwrap();
    let run = shadowai(&["signatures", "lint", bad.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(
        text.contains("bad.toml:6: pattern `chatgpt.com` is already claimed by `chatgpt`"),
        "{text}"
    );
    let run = shadowai(&[
        "scan",
        "sample-logs",
        "--out",
        tmp.path().join("o").to_str().unwrap(),
        "--signatures",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
}

/// `shadowai signatures list | head -1`: the reader goes away early. The CSV outputs go
/// through the csv crate, whose error wraps the broken pipe; they must still exit 0 quietly,
/// like `match` and `blocklist`. Closing the read end before reading makes the broken pipe
/// certain rather than a race with the reader.
#[test]
fn a_closed_pipe_ends_csv_output_quietly() {
    use std::process::Stdio;
    for args in [
        &["signatures", "list"][..],
        &["signatures", "export", "--format", "csv"],
        &["signatures", "export", "--format", "splunk-lookup"],
    ] {
        let mut child = crate::util::command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}
