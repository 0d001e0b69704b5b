//! The CLI documents itself: shell completions, the man page, and an example in every
//! subcommand's `--help`.

use crate::util::shadowai;

#[test]
fn shell_integration_completions_man_and_help_examples() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = shadowai(&["completions", shell]);
        assert!(o.status.success() && o.stdout.len() > 1000, "{shell}");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("blocklist"),
            "{shell}"
        );
    }
    let man = shadowai(&["man"]);
    assert!(man.status.success());
    assert!(String::from_utf8_lossy(&man.stdout).contains(".TH shadowai 1"));
    let dir = tempfile::tempdir().unwrap();
    let o = shadowai(&["man", "--out", &dir.path().display().to_string()]);
    assert!(o.status.success());
    assert!(dir.path().join("shadowai.1").exists());
    for cmd in [
        &["scan"][..],
        &["match"],
        &["blocklist"],
        &["reveal"],
        &["digest"],
        &["formats"],
        &["completions"],
        &["man"],
        &["signatures", "list"],
        &["signatures", "export"],
        &["signatures", "lint"],
        &["register", "update"],
        &["register", "check"],
    ] {
        let mut args = cmd.to_vec();
        args.push("--help");
        let help = String::from_utf8_lossy(&shadowai(&args).stdout).into_owned();
        assert!(
            help.contains("Example"),
            "{cmd:?} --help has no example:\n{help}"
        );
    }
}
