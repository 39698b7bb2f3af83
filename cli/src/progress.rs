//! Progress bars on standard error, for people only: hidden with `--json` and when standard
//! error is not a terminal (pipes, CI, the tests).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A line saying what a long read is doing, on standard error when it is a terminal.
pub fn line(json: bool, text: &str) {
    if !json && std::io::stderr().is_terminal() {
        eprintln!("{text}");
    }
}

/// A bar of `len` steps labelled `what`.
pub fn bar(len: usize, what: &str, json: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::hidden());
    if json || !std::io::stderr().is_terminal() {
        return bar;
    }
    bar.set_draw_target(ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{msg:10} [{bar:32}] {pos}/{len} {per_sec} eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}
