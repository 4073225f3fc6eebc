//! Progress bars on a terminal (indicatif draws nothing when stderr is not a terminal).

use std::cell::RefCell;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use frikommune::pipeline::Progress;

pub struct Bars {
    bar: RefCell<Option<ProgressBar>>,
    quiet: bool,
}

impl Bars {
    pub fn new(quiet: bool) -> Bars {
        Bars { bar: RefCell::new(None), quiet }
    }
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: u64) {
        if self.quiet {
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
        if let Some(b) = self.bar.borrow_mut().take() {
            b.finish_and_clear();
        }
    }
}
