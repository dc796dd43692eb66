-- doc_spectral.lua — help's entries for wick.audio's time-frequency transforms (stft,
-- istft, griffin_lim, mel, mel_filters, cqt, cqt_frequencies; bindings/audio/spectral.c).
-- Options and defaults are read in C and written here from it. The wick.audio module
-- entry itself belongs to doc_audio.lua (loading and saving); this file adds it only
-- when that one has not.
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local doc = wick._doc
local add, module = doc.add, doc.module

if not doc.entries["wick.audio"] then
  module("wick.audio", "sounds as C×N tensors (channels × samples) beside a rate in Hz: spectrograms, mel, constant-Q, and back to sound",
    'local c = wick.audio.cqt(x, 22050)   -- 84 × frames')
end

local stft_opts = {
  { "n_fft", 2048, "FFT size (even): n_fft/2 + 1 frequencies" },
  { "hop", nil, "samples between frames", default_text = "n_fft/4" },
  { "win_length", nil, "the window's length, centred in n_fft", default_text = "n_fft" },
  { "window", "hann", "\"hann\", \"hamming\" or \"rect\" (periodic, as torch and scipy)" },
  { "center", true, "frame t centred on sample (t-1)·hop, the signal padded by n_fft/2" },
  { "pad_mode", "constant", "\"constant\" (zeros) or \"reflect\"" },
}
local function with(list, more)
  local t = {}
  for _, o in ipairs(list) do t[#t + 1] = o end
  for _, o in ipairs(more) do t[#t + 1] = o end
  return t
end
local inverse_opts = {
  { "n_fft", nil, "", default_text = "2·(F − 1)" }, stft_opts[2], stft_opts[3], stft_opts[4], stft_opts[5],
  { "length", nil, "samples out", default_text = "hop·(T − 1), or n_fft + hop·(T − 1) without center" },
}

add("wick.audio.stft", { "audio.stft(x [, opts]) → F×T (or C×F×T) tensor", "short-time Fourier transform of N samples or C×N channels, frames last: |X|^power, or real and imaginary parts as a last dim of 2 (complex); unnormalised, as torch.stft",
  opts = with(stft_opts, { { "power", 1, "1: magnitude, 2: power" }, { "complex", false, "(.., F, T, 2) real/imaginary instead" } }),
  example = "local s = wick.audio.stft(x, {n_fft = 1024})   -- 513 × frames" })
add("wick.audio.istft", { "audio.istft(spec [, opts]) → N (or C×N) samples", "inverse STFT of a complex (.., F, T, 2) spectrogram by weighted overlap-add: istft(stft(x, {complex = true})) = x",
  opts = inverse_opts,
  example = "local y = wick.audio.istft(wick.audio.stft(x, {complex = true}), {length = x:size(-1)})" })
add("wick.audio.griffin_lim", { "audio.griffin_lim(mag [, opts]) → samples, errors", "a sound whose STFT magnitude approaches mag (F×T or C×F×T): Griffin-Lim with momentum (the fast variant of Perraudin et al.); errors lists each iteration's spectral convergence ‖|STFT(x)| − mag‖/‖mag‖. Draws its random phases from wick.seed's generator",
  opts = with(inverse_opts, { stft_opts[6], { "iters", 32, "iterations" }, { "momentum", 0.99, "0: plain Griffin-Lim" },
    { "init", "random", "\"random\" or \"zeros\" phases" } }),
  example = 'local y, errors = wick.audio.griffin_lim(wick.audio.stft(x), {iters = 64})\nwick.audio.save("out/back.wav", y, 22050)' })
add("wick.audio.mel", { "audio.mel(x, rate [, opts]) → M×T (or C×M×T)", "mel spectrogram: Slaney-scale triangular filters (librosa's defaults) times |STFT|^power",
  opts = with(stft_opts, { { "n_mels", 128, "bands" }, { "fmin", 0, "Hz" }, { "fmax", nil, "Hz", default_text = "rate/2" },
    { "power", 2, "2: power, 1: magnitude" } }),
  example = "local m = wick.audio.mel(x, 22050, {n_mels = 64})\nlocal db = (m + 1e-10):log() * (10 / math.log(10))" })
add("wick.audio.mel_filters", { "audio.mel_filters(rate [, opts]) → M×F tensor", "the mel filter bank mel() uses: triangles evenly spaced on Slaney's mel scale, each scaled by 2 / its width in Hz (librosa.filters.mel with htk=False, norm=\"slaney\")",
  opts = { { "n_fft", 2048, "" }, { "n_mels", 128, "" }, { "fmin", 0, "Hz" }, { "fmax", nil, "Hz", default_text = "rate/2" } },
  example = "local fb = wick.audio.mel_filters(22050, {n_mels = 40})" })
add("wick.audio.cqt", { "audio.cqt(x, rate [, opts]) → K×T (or C×K×T)", "Brown's constant-Q transform by Brown & Puckette's sparse spectral kernels, octave by octave on a signal halved in rate each time: bin k at fmin·2^((k−1)/bins_per_octave), windows of Q·rate/f_k samples, frames centred on (t−1)·hop with zeros outside; a sine of amplitude A at a bin's frequency reads A/2. The kernel is kept for the next call with the same rate and options",
  opts = { { "fmin", 32.70319566257483, "the lowest bin's centre, Hz (C1)" }, { "n_bins", 84, "bins (seven octaves)" },
    { "bins_per_octave", 12, "" }, { "hop", 512, "samples between frames" },
    { "filter_scale", 1, "Q = filter_scale / (2^(1/bins_per_octave) − 1)" }, { "window", "hann", "\"hann\", \"hamming\" or \"rect\"" },
    { "sparsity", 0.001, "each kernel drops its smallest spectral weights up to this share of their sum (0: exact)" },
    { "downsample", true, "each octave below the top on the signal low-passed and halved in rate once more (~15× faster; differs from the full-rate sum by ~1e-5 of the peak, ~3e-3 in frames that cross the signal's ends)" },
    { "complex", false, "(.., K, T, 2) real/imaginary instead of magnitudes" } },
  example = "local c = wick.audio.cqt(x, 22050)              -- 84 × (1 + N // 512)\nlocal logc = (c + 1e-4):log()" })
add("wick.audio.cqt_frequencies", { "audio.cqt_frequencies([opts]) → K tensor", "the CQT bins' centre frequencies in Hz",
  opts = { { "fmin", 32.70319566257483, "" }, { "n_bins", 84, "" }, { "bins_per_octave", 12, "" } },
  example = "print(wick.audio.cqt_frequencies{n_bins = 12})" })
