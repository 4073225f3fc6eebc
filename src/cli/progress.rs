//! Progress on every long step: bars on a terminal (indicatif draws nothing when stderr is not
//! a terminal), a line per step with its time under `--verbose`, a JSON object per step under
//! `--log-format json`, nothing under `--quiet`.

use std::cell::RefCell;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use frikommune::progress::Progress;

use super::Output;

pub struct Bars<'a> {
    out: &'a Output,
    bar: RefCell<Option<ProgressBar>>,
    /// The step under way: its name, size and start.
    step: RefCell<Option<(String, u64, Instant)>>,
}

impl<'a> Bars<'a> {
    pub fn new(out: &'a Output) -> Bars<'a> {
        Bars { out, bar: RefCell::new(None), step: RefCell::new(None) }
    }

    /// Reports the end of the step under way, if any.
    fn close(&self) {
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
        if let Some((name, total, started)) = self.step.borrow_mut().take() {
            let seconds = started.elapsed().as_secs_f64();
            self.out.log(
                "info",
                format!("{name}: done in {seconds:.2} s"),
                serde_json::json!({ "event": "step_done", "step": name, "total": total, "seconds": seconds }),
            );
        }
    }
}

impl Progress for Bars<'_> {
    fn stage(&self, name: &str, total: u64) {
        self.close();
        if self.out.quiet {
            return;
        }
        *self.step.borrow_mut() = Some((name.to_string(), total, Instant::now()));
        if self.out.verbose || self.out.json {
            self.out.log(
                "info",
                format!("{name} ({total} step{})", if total == 1 { "" } else { "s" }),
                serde_json::json!({ "event": "step", "step": name, "total": total }),
            );
            return;
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{msg:>18} [{bar:30}] {pos}/{len}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(name.to_string());
        *self.bar.borrow_mut() = Some(bar);
    }

    fn advance(&self) {
        if let Some(b) = self.bar.borrow().as_ref() {
            b.inc(1);
        }
    }

    fn finish(&self) {
        self.close();
    }
}

impl Drop for Bars<'_> {
    fn drop(&mut self) {
        self.close();
    }
}

/// A reader that advances `progress` by one step per MiB read (for streamed files whose size is
/// known but whose rows are not).
pub struct Counting<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
    pending: u64,
}

const MIB: u64 = 1 << 20;

impl<'a, R: std::io::Read> Counting<'a, R> {
    /// Starts the step `name` over a file of `bytes` bytes.
    pub fn new(inner: R, bytes: u64, name: &str, progress: &'a dyn Progress) -> Counting<'a, R> {
        progress.stage(name, bytes.div_ceil(MIB).max(1));
        Counting { inner, progress, pending: 0 }
    }
}

impl<R: std::io::Read> std::io::Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        while self.pending >= MIB {
            self.progress.advance();
            self.pending -= MIB;
        }
        Ok(n)
    }
}
