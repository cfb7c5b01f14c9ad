//! `serlab live --mic`: the default input device through `cpal`, mixed to mono `f32` in
//! the audio callback and handed to the prediction loop over a bounded channel (the
//! callback never blocks: when prediction falls behind, blocks are dropped and counted).
//! Ctrl-C (or SIGTERM) ends the stream like the end of standard input.

use super::{LiveArgs, Session};
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use serlab_engine::predict::Predictor;
use serlab_engine::{Error, Result};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

fn err(e: impl std::fmt::Display) -> Error {
    Error::invalid(format!("microphone: {e}"))
}

/// Record until Ctrl-C, predicting every window.
pub(super) fn run(p: &Predictor, args: &LiveArgs) -> Result<()> {
    let host = cpal::default_host();
    let device = host
        .default_input_device()
        .ok_or_else(|| err("no default input device"))?;
    let config = device.default_input_config().map_err(err)?;
    let rate = config.sample_rate().0;
    let channels = usize::from(config.channels()).max(1);
    let (tx, rx) = mpsc::sync_channel::<Vec<f32>>(64);
    let dropped = Arc::new(AtomicUsize::new(0));
    let on_err = |e| eprintln!("microphone error: {e}");
    let stream = {
        let dropped = dropped.clone();
        let send = move |mono: Vec<f32>| {
            if tx.try_send(mono).is_err() {
                dropped.fetch_add(1, Ordering::Relaxed);
            }
        };
        let cfg: cpal::StreamConfig = config.clone().into();
        match config.sample_format() {
            cpal::SampleFormat::F32 => device.build_input_stream(
                &cfg,
                move |d: &[f32], _: &cpal::InputCallbackInfo| send(mix(d, channels, |x| x)),
                on_err,
                None,
            ),
            cpal::SampleFormat::I16 => device.build_input_stream(
                &cfg,
                move |d: &[i16], _: &cpal::InputCallbackInfo| {
                    send(mix(d, channels, |x| f32::from(x) / 32768.0))
                },
                on_err,
                None,
            ),
            cpal::SampleFormat::U16 => device.build_input_stream(
                &cfg,
                move |d: &[u16], _: &cpal::InputCallbackInfo| {
                    send(mix(d, channels, |x| (f32::from(x) - 32768.0) / 32768.0))
                },
                on_err,
                None,
            ),
            other => return Err(err(format!("unsupported sample format {other:?}"))),
        }
        .map_err(err)?
    };
    stream.play().map_err(err)?;
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).map_err(err)?;
    }
    eprintln!(
        "recording from {} at {rate} Hz; Ctrl-C to stop",
        device.name().unwrap_or_else(|_| "the default input".into())
    );
    let mut session = Session::new(p, args, rate)?;
    while !stop.load(Ordering::SeqCst) {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(block) => session.push(&block)?,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    drop(stream);
    let n = dropped.load(Ordering::Relaxed);
    if n > 0 {
        eprintln!("warning: {n} audio blocks were dropped because prediction fell behind");
    }
    session.finish()
}

/// Interleaved frames to mono.
fn mix<T: Copy>(data: &[T], channels: usize, f: impl Fn(T) -> f32) -> Vec<f32> {
    data.chunks_exact(channels)
        .map(|fr| fr.iter().map(|&x| f(x)).sum::<f32>() / channels as f32)
        .collect()
}
