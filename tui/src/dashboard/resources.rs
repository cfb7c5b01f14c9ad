//! CPU and memory use of the dashboard process (which runs the training thread), read from
//! `/proc/self` about once a second by the event loop, so a researcher sees whether a run
//! is using the cores and how much memory it holds. `/proc` is read directly: two small
//! files, no crate needed; where it is missing (not Linux) nothing is shown.

use std::time::{Duration, Instant};

/// One sample of resource use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Usage {
    /// CPU time over wall time since the previous sample, in percent of one core.
    pub cpu_percent: f64,
    /// Resident memory in bytes.
    pub rss_bytes: u64,
    /// Highest resident memory seen by the sampler.
    pub peak_rss_bytes: u64,
    /// Cores available to the process.
    pub cores: usize,
}

/// Samples `/proc/self` at most once per [`Sampler::EVERY`].
#[derive(Debug)]
pub struct Sampler {
    last: Option<(Instant, f64)>,
    peak: u64,
    cores: usize,
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler {
            last: None,
            peak: 0,
            cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
        }
    }
}

impl Sampler {
    /// Shortest time between two samples.
    pub const EVERY: Duration = Duration::from_secs(1);

    /// A new sample when one is due and `/proc` is readable.
    pub fn sample(&mut self) -> Option<Usage> {
        let now = Instant::now();
        if self.last.is_some_and(|(t, _)| now - t < Self::EVERY) {
            return None;
        }
        let cpu = cpu_seconds()?;
        let rss = rss_bytes()?;
        self.peak = self.peak.max(rss);
        let prev = self.last.replace((now, cpu));
        let cpu_percent = match prev {
            Some((t, c)) => {
                let wall = (now - t).as_secs_f64();
                if wall > 0.0 {
                    (cpu - c) / wall * 100.0
                } else {
                    0.0
                }
            }
            None => 0.0,
        };
        Some(Usage {
            cpu_percent,
            rss_bytes: rss,
            peak_rss_bytes: self.peak,
            cores: self.cores,
        })
    }
}

/// User + system CPU seconds of this process (`/proc/self/stat` fields 14 and 15).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_cpu_ticks(&stat).map(|t| t as f64 / clock_ticks())
}

/// utime + stime from a `/proc/<pid>/stat` line (the command name may hold spaces and
/// parentheses, so fields are counted after the last `)`).
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf reads a constant.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// Resident set size (`/proc/self/statm`, second field, in pages).
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf reads a constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * page.max(4096) as u64)
}

/// `412 MiB`, `1.3 GiB`.
pub fn bytes(b: u64) -> String {
    let mib = b as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.1} GiB", mib / 1024.0)
    } else {
        format!("{mib:.0} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_read_after_the_command_name() {
        // A name with a space and a parenthesis, as /proc shows `serlab (x)`.
        let line = "123 (serl ab) x) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(line), Some(300));
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn this_process_is_sampled_on_linux() {
        let mut s = Sampler::default();
        let Some(u) = s.sample() else {
            assert!(!std::path::Path::new("/proc/self/stat").exists());
            return;
        };
        // A test process holds at least a megabyte and has at least one core.
        assert!(u.rss_bytes > 1 << 20 && u.cores >= 1, "{u:?}");
        assert_eq!(u.peak_rss_bytes, u.rss_bytes);
        // The next sample is not due yet.
        assert!(s.sample().is_none());
        assert_eq!(bytes(3 << 30), "3.0 GiB");
        assert_eq!(bytes(412 << 20), "412 MiB");
    }
}
