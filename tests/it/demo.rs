//! The README's first command: the demo plans, applies and plans again the example manifest.

use assert_cmd::Command;

#[test]
fn the_demo_converges_on_the_example_manifest() {
    let output = Command::cargo_bin("docspace-rooms")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(120))
        .arg("demo")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("Apply: 34 applied, 0 failed, 0 skipped."), "{stdout}");
    assert!(
        stdout.contains("watermark none → \"Confidential\" with user name, user email and date, rotated -45°; lifetime none → files older than 90 days go to the trash: done"),
        "the data room gets its settings: {stdout}"
    );
    assert!(stdout.contains("No changes: the portal matches `examples/rooms.yaml`."), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "no colour off a terminal");
}
