//! `serlab predict RUN-DIR file.wav`: the engine's [`serlab_engine::predict`] (the run's
//! own extraction, models and fusions applied to one recording), rendered as a table; with
//! `--window S --hop S`, the engine's timeline of a long recording, written as CSV + PNG.

use serlab_engine::predict::timeline::{self, Timeline};
pub use serlab_engine::predict::{
    predict, Options, Predictor, Report, Request, SystemResult, Transcript,
};
use std::path::{Path, PathBuf};

/// Arguments of `serlab predict`.
#[derive(clap::Args, Debug, Clone)]
pub struct PredictArgs {
    /// The run folder (holding config.toml, results.json and checkpoints/).
    pub run_dir: PathBuf,
    /// The recording (WAV, FLAC, OGG/Vorbis or MP3, any rate and channel count).
    pub audio: PathBuf,
    /// The words spoken, instead of recognising them with the run's transcriber.
    #[arg(long)]
    pub transcript: Option<String>,
    /// Predict windows of this many seconds (a timeline) instead of the whole recording.
    #[arg(long)]
    pub window: Option<f64>,
    /// Seconds between window starts (default: half the window).
    #[arg(long, requires = "window")]
    pub hop: Option<f64>,
    /// Timeline CSV to write (default `<recording>-timeline.csv` in the current folder);
    /// the PNG goes beside it with the extension `.png`.
    #[arg(long, requires = "window")]
    pub out: Option<PathBuf>,
}

/// Run `serlab predict`.
pub fn execute(args: &PredictArgs) -> serlab_engine::Result<()> {
    let Some(window) = args.window else {
        let opts = Options {
            transcript: args.transcript.clone(),
        };
        let report = predict(&args.run_dir, &args.audio, &opts)?;
        print!("{}", render(&report, &args.audio));
        return Ok(());
    };
    let hop = args.hop.unwrap_or(window / 2.0);
    let p = Predictor::load(&args.run_dir, 1)?;
    let audio = serlab_engine::audio::read_mono(&args.audio)?;
    let stem = args
        .audio
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "recording".into());
    let req = Request {
        name: &stem,
        transcript: args.transcript.as_deref(),
        speaker: None,
    };
    let t = timeline::timeline(&p, &audio, window, hop, &req)?;
    let csv = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{stem}-timeline.csv")));
    let png = csv.with_extension("png");
    timeline::write_csv(&csv, &t)?;
    print!("{}", render_timeline(&t));
    if let Some(sys) = timeline::main_system(&t) {
        let title = format!("{stem}: {sys}, {window} s windows every {hop} s");
        timeline::draw(&png, &t, &sys, &title)?;
        println!("wrote {} and {}", csv.display(), png.display());
    } else {
        println!(
            "wrote {} (no window could be predicted, so no plot)",
            csv.display()
        );
    }
    Ok(())
}

/// One line per window: its span and the main system's top class and probability.
pub fn render_timeline(t: &Timeline) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let Some(sys) = timeline::main_system(t) else {
        return s;
    };
    let _ = writeln!(s, "{:>8} {:>8}  {sys}", "start_s", "end_s");
    for w in &t.windows {
        if let Some(x) = w.report.systems.iter().find(|x| x.id == sys) {
            let top = serlab_engine::metrics::argmax(&x.probs);
            let _ = writeln!(
                s,
                "{:>8.2} {:>8.2}  {} {:.3}",
                w.start, w.end, t.classes[top], x.probs[top]
            );
        }
    }
    for (a, b, why) in &t.skipped {
        let _ = writeln!(s, "skipped {a:.2}-{b:.2} s: {why}");
    }
    s
}

/// The report as text: one row per system, its probabilities and its top class.
pub fn render(r: &Report, wav: &Path) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "recording: {} ({:.2} s)", wav.display(), r.seconds);
    if let Some(t) = &r.transcript {
        let _ = writeln!(s, "transcript ({}): \"{}\"", t.source, t.text);
    }
    let w = r
        .systems
        .iter()
        .map(|x| x.id.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let _ = write!(s, "{:<w$}", "system");
    for c in &r.classes {
        let c: String = c.chars().take(8).collect();
        let _ = write!(s, " {c:>8}");
    }
    let _ = writeln!(s, "  predicted (folds)");
    for x in &r.systems {
        let _ = write!(s, "{:<w$}", x.id);
        for p in &x.probs {
            let _ = write!(s, " {p:>8.3}");
        }
        let top = serlab_engine::metrics::argmax(&x.probs);
        let kind = if x.fused { ", fused" } else { "" };
        let _ = write!(s, "  {} ({}{kind})", r.classes[top], x.folds);
        if let Some(v) = x.vad {
            let _ = write!(s, "  V/A/D {:.2} {:.2} {:.2}", v[0], v[1], v[2]);
        }
        let _ = writeln!(s);
    }
    for n in &r.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s
}
