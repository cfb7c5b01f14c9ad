//! The rolling buffer of a live stream: samples in, whole windows out, one every hop, and
//! at the end one window reaching the last sample (as
//! [`serlab_engine::predict::timeline::spans`] cuts a file). Memory stays at about one
//! window plus one hop whatever the stream's length.

/// Samples not yet consumed, and where the next window starts.
#[derive(Debug)]
pub struct Rolling {
    window: usize,
    hop: usize,
    /// Samples from absolute index `offset` on.
    buf: Vec<f32>,
    offset: usize,
    next_start: usize,
    /// End of the last window given out.
    last_end: usize,
}

impl Rolling {
    /// Windows of `window` samples every `hop` samples.
    pub fn new(window: usize, hop: usize) -> Self {
        Rolling {
            window: window.max(1),
            hop: hop.max(1),
            buf: Vec::new(),
            offset: 0,
            next_start: 0,
            last_end: 0,
        }
    }

    fn total(&self) -> usize {
        self.offset + self.buf.len()
    }

    /// Add samples; returns the windows they complete as `(start sample, samples)`.
    pub fn push(&mut self, samples: &[f32]) -> Vec<(usize, Vec<f32>)> {
        self.buf.extend_from_slice(samples);
        let mut out = Vec::new();
        while self.next_start + self.window <= self.total() {
            let a = self.next_start - self.offset;
            out.push((self.next_start, self.buf[a..a + self.window].to_vec()));
            self.last_end = self.next_start + self.window;
            self.next_start += self.hop;
        }
        // Keep what a later window or the final one may need.
        let keep_from = self
            .next_start
            .min(self.total().saturating_sub(self.window))
            .max(self.offset);
        self.buf.drain(..keep_from - self.offset);
        self.offset = keep_from;
        out
    }

    /// The stream ended: the window reaching its last sample, when the last window given
    /// out did not (the whole stream when it was shorter than a window).
    pub fn finish(&mut self) -> Option<(usize, Vec<f32>)> {
        let total = self.total();
        if total == 0 || self.last_end >= total {
            return None;
        }
        let start = total.saturating_sub(self.window).max(self.offset);
        self.last_end = total;
        Some((start, self.buf[start - self.offset..].to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::Rolling;
    use serlab_engine::predict::timeline::spans;

    /// Fed in any chunk sizes, the windows are those `spans` cuts from the whole signal.
    #[test]
    fn live_windows_equal_the_file_windows() {
        for (len, w, h, chunk) in [
            (100, 20, 10, 7),
            (101, 20, 15, 33),
            (15, 20, 5, 4),
            (80, 10, 10, 80),
        ] {
            let x: Vec<f32> = (0..len).map(|i| i as f32).collect();
            let mut r = Rolling::new(w, h);
            let mut got: Vec<(usize, usize)> = Vec::new();
            for c in x.chunks(chunk) {
                for (s, v) in r.push(c) {
                    assert_eq!(v[0], s as f32);
                    got.push((s, s + v.len()));
                }
            }
            if let Some((s, v)) = r.finish() {
                assert_eq!(v[0], s as f32);
                got.push((s, s + v.len()));
            }
            assert_eq!(got, spans(len, w, h), "len {len} w {w} h {h} chunk {chunk}");
        }
    }
}
