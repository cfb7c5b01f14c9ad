//! `serlab live RUN (--stdin | --mic)`: a live source predicted window by window, the
//! rolling emotion printed as each window completes (and the transcript, where a
//! recogniser is installed and the run has text models).
//!
//! `--stdin` reads raw PCM — signed 16-bit little-endian, mono, at `--rate` Hz, no header —
//! as `arecord -f S16_LE -c 1 -r 16000 -t raw` or `ffmpeg -f s16le -ac 1 -ar 16000 -`
//! write it. `--mic` records the default input device through `cpal`, compiled in with
//! `--features mic` only (it links ALSA on Linux). Both feed the same [`Rolling`] buffer,
//! which cuts the stream into the windows [`serlab_engine::predict::timeline`] uses for a
//! file, so a recording piped through `live` gives the same windows as `predict --window`.

#[cfg(feature = "mic")]
mod mic;
mod rolling;

pub use rolling::Rolling;
use serlab_engine::predict::timeline::{self, Timeline, Window};
use serlab_engine::predict::{Predictor, Request};
use serlab_engine::{Audio, Error, Result};
use std::io::Read;
use std::path::PathBuf;

/// Arguments of `serlab live`.
#[derive(clap::Args, Debug, Clone)]
pub struct LiveArgs {
    /// The run folder (holding config.toml, results.json and checkpoints/).
    pub run_dir: PathBuf,
    /// Read raw PCM from standard input: s16le, mono, at --rate Hz, no header.
    #[arg(long)]
    pub stdin: bool,
    /// Record from the default microphone (needs a serlab built with `--features mic`).
    #[arg(long, conflicts_with = "stdin")]
    pub mic: bool,
    /// Sample rate of the PCM on standard input, Hz.
    #[arg(long, default_value_t = 16000)]
    pub rate: u32,
    /// Window length, seconds.
    #[arg(long, default_value_t = 2.0)]
    pub window: f64,
    /// Seconds between window starts.
    #[arg(long, default_value_t = 1.0)]
    pub hop: f64,
    /// Speaker id: speaker-normalised models enrol the stream's windows as this speaker.
    #[arg(long)]
    pub speaker: Option<String>,
    /// Also write every window's probabilities to this CSV when the stream ends.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// Run `serlab live`.
pub fn execute(args: &LiveArgs) -> Result<()> {
    if args.stdin == args.mic {
        return Err(Error::invalid(
            "give a source: --stdin (raw s16le mono PCM) or --mic",
        ));
    }
    let p = Predictor::load(&args.run_dir, 1)?;
    if args.mic {
        return mic_source(&p, args);
    }
    if args.rate == 0 {
        return Err(Error::invalid("--rate must be at least 1 Hz"));
    }
    let mut session = Session::new(&p, args, args.rate)?;
    let mut stdin = std::io::stdin().lock();
    let mut bytes = vec![0u8; 8192];
    let mut carry: Option<u8> = None;
    loop {
        let n = stdin
            .read(&mut bytes)
            .map_err(|e| Error::io(std::path::Path::new("<stdin>"), e))?;
        if n == 0 {
            break;
        }
        let mut data: Vec<u8> = carry.take().into_iter().collect();
        data.extend_from_slice(&bytes[..n]);
        if data.len() % 2 == 1 {
            carry = data.pop();
        }
        let samples: Vec<f32> = data
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect();
        session.push(&samples)?;
    }
    if carry.is_some() {
        eprintln!("warning: the stream ended inside a sample (odd byte count); it was dropped");
    }
    session.finish()
}

#[cfg(feature = "mic")]
fn mic_source(p: &Predictor, args: &LiveArgs) -> Result<()> {
    mic::run(p, args)
}

#[cfg(not(feature = "mic"))]
fn mic_source(_: &Predictor, _: &LiveArgs) -> Result<()> {
    Err(Error::invalid(
        "this serlab was built without microphone support; rebuild with \
         `cargo build --release -p serlab --features mic` (needs libasound2-dev: \
         scripts/setup.sh --with-mic), or pipe PCM to --stdin",
    ))
}

/// One live stream: the rolling buffer, the predictor, and the windows so far.
pub(crate) struct Session<'a> {
    predictor: &'a Predictor,
    rolling: Rolling,
    rate: u32,
    speaker: Option<String>,
    csv: Option<PathBuf>,
    timeline: Timeline,
}

impl<'a> Session<'a> {
    pub(crate) fn new(predictor: &'a Predictor, args: &LiveArgs, rate: u32) -> Result<Self> {
        let w = timeline::samples(args.window, rate, "--window")?;
        let h = timeline::samples(args.hop, rate, "--hop")?;
        eprintln!(
            "serlab live: {} · classes {} · {} s windows every {} s at {rate} Hz",
            predictor.info().run_id,
            predictor.classes().join(", "),
            args.window,
            args.hop
        );
        Ok(Session {
            predictor,
            rolling: Rolling::new(w, h),
            rate,
            speaker: args.speaker.clone(),
            csv: args.csv.clone(),
            timeline: Timeline {
                classes: predictor.classes().to_vec(),
                ..Default::default()
            },
        })
    }

    /// Add samples; predict and print every window they complete.
    pub(crate) fn push(&mut self, samples: &[f32]) -> Result<()> {
        for (start, w) in self.rolling.push(samples) {
            self.window(start, w)?;
        }
        Ok(())
    }

    /// The stream ended: predict the last, partial stretch and write the CSV.
    pub(crate) fn finish(mut self) -> Result<()> {
        if let Some((start, w)) = self.rolling.finish() {
            self.window(start, w)?;
        }
        eprintln!(
            "stream ended: {} windows predicted, {} silent",
            self.timeline.windows.len(),
            self.timeline.skipped.len()
        );
        if let Some(csv) = &self.csv {
            timeline::write_csv(csv, &self.timeline)?;
            eprintln!("wrote {}", csv.display());
        }
        Ok(())
    }

    fn window(&mut self, start: usize, samples: Vec<f32>) -> Result<()> {
        let rate = f64::from(self.rate);
        let (s, e) = (start as f64 / rate, (start + samples.len()) as f64 / rate);
        let name = format!("stream [{s:.2}-{e:.2} s]");
        let audio = Audio {
            samples,
            sample_rate: self.rate,
        };
        let req = Request {
            name: &name,
            transcript: None,
            speaker: self.speaker.as_deref(),
        };
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        match self.predictor.predict(&audio, &req) {
            Ok(report) => {
                let w = Window {
                    start: s,
                    end: e,
                    report,
                };
                let _ = writeln!(out, "{}", line(&self.timeline.classes, &w));
                self.timeline.windows.push(w);
            }
            Err(Error::Audio { reason, .. }) if reason.contains("all samples are zero") => {
                let _ = writeln!(out, "{s:>8.2} {e:>8.2}  (silent)");
                self.timeline.skipped.push((s, e, "silent".into()));
            }
            Err(err) => return Err(err),
        }
        let _ = out.flush();
        Ok(())
    }
}

/// `start end  top p  bar  class p ...  "transcript"` for the main system (first fusion,
/// else first model).
pub fn line(classes: &[String], w: &Window) -> String {
    use std::fmt::Write;
    let systems = &w.report.systems;
    let Some(x) = systems.iter().find(|s| s.fused).or(systems.first()) else {
        return format!("{:>8.2} {:>8.2}  (no system could predict)", w.start, w.end);
    };
    let top = serlab_engine::metrics::argmax(&x.probs);
    let filled = (x.probs[top] * 10.0).round() as usize;
    let mut s = format!(
        "{:>8.2} {:>8.2}  {:<10} {:.2} {}{}",
        w.start,
        w.end,
        classes[top],
        x.probs[top],
        "#".repeat(filled.min(10)),
        ".".repeat(10 - filled.min(10))
    );
    for (c, p) in classes.iter().zip(&x.probs) {
        let _ = write!(s, "  {c} {p:.2}");
    }
    if let Some(t) = &w.report.transcript {
        let _ = write!(s, "  \"{}\"", t.text);
    }
    s
}
