//! The progress bar on the terminal (hidden when stderr is not a terminal).

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn new(total_runs: u64) -> Self {
        let bar = ProgressBar::new(total_runs);
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} runs  {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Self { bar }
    }

    pub fn starting(
        &self,
        workload: &str,
        implementation: &str,
        threads: usize,
        repeat: usize,
        repeats: usize,
    ) {
        self.bar.set_message(format!(
            "{workload} {implementation} threads={threads} repeat {repeat}/{repeats}"
        ));
    }

    pub fn finished(&self) {
        self.bar.inc(1);
    }

    /// Prints a line above the bar.
    pub fn println(&self, line: &str) {
        if self.bar.is_hidden() {
            eprintln!("{line}");
        } else {
            self.bar.println(line);
        }
    }

    pub fn done(&self) {
        self.bar.finish_and_clear();
    }
}
