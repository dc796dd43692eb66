-- doc_audio.lua — help's entries for wick.audio: sound files in and out, the edits around
-- them, mu-law codes, and the Debian sample packages. Options and defaults are read in C
-- (bindings/audio/audio.c) and written here from it.
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local doc = wick._doc
local add, module = doc.add, doc.module

module("wick.audio", "sounds as C×N tensors (channels × frames) in [-1, 1] beside a rate in Hz: WAV, FLAC, OGG, AIFF in (libsndfile), WAV and FLAC out, resampling (libsamplerate), mono, trimming, normalising, mu-law, and Debian's sample libraries",
  'local x, rate = wick.audio.load("kick.flac", {rate = 22050, mono = true})\nwick.audio.save("out/kick.wav", wick.audio.normalize(x), rate)')
add("wick.audio.load", { "audio.load(path [, opts]) → samples, rate", "every frame of a WAV, FLAC, OGG Vorbis, AIFF… (anything libsndfile reads) as a C×N tensor in [-1, 1] and its rate; a truncated, empty or unreadable file is an error naming it",
  opts = { { "rate", nil, "resample to this rate (Hz)", default_text = "the file's" }, { "mono", false, "mix the channels down to 1×N" },
    { "quality", "best", "the resampler: \"best\", \"medium\", \"fast\" (libsamplerate's sincs), \"linear\", or \"poly\" (wick's polyphase filter: ~115 dB, 50× faster than best)" }, { "max_seconds", nil, "read at most this much from the start", default_text = "all" } },
  example = 'local x, rate = wick.audio.load("/usr/share/sonic-pi/samples/bd_haus.flac")\nprint(x:size(1), x:size(2), rate)' })
add("wick.audio.save", { "audio.save(path, samples, rate [, opts]) → path", "a C×N (or N) tensor as WAV or FLAC (from the extension), clipped to [-1, 1] for PCM; refuses NaN and an existing file; records the sketch and the seed; makes missing folders; writes atomically",
  opts = { { "format", nil, "\"wav\" or \"flac\"", default_text = "from the extension" }, { "bits", 16, "16 or 24 (PCM), 32 (float, WAV only)" },
    { "overwrite", false, "replace a file that exists" } },
  example = 'wick.audio.save("out/tone.wav", x, 22050, {overwrite = true})' })
add("wick.audio.info", { "audio.info(path) → {rate, channels, frames, seconds, format, encoding}", "a file's header without decoding it; format is \"wav\", \"flac\", \"ogg\", \"aiff\"…, encoding \"pcm16\", \"float\", \"vorbis\"…",
  example = 'print(wick.audio.info("kick.flac").seconds)' })
add("wick.audio.resample", { "audio.resample(samples, from_rate, to_rate [, opts]) → samples", "band-limited resampling of each channel (libsamplerate); N frames become round(N·to/from)",
  opts = { { "quality", "best", "\"best\" (sinc, 97 dB), \"medium\", \"fast\", \"linear\" (libsamplerate), or \"poly\": wick's polyphase Kaiser-windowed sinc for whole-number rates, passband to 90% of Nyquist, ~115 dB, about as fast as SciPy's resample_poly (other rates: libsamplerate's fast sinc)" } },
  example = "local y = wick.audio.resample(x, 44100, 16000)" })
add("wick.audio.mono", { "audio.mono(samples) → 1×N", "the mean of the channels",
  example = "local m = wick.audio.mono(x)" })
add("wick.audio.trim", { "audio.trim(samples [, opts]) → samples", "a view without the leading silence (frames whose every channel is below threshold); all silent gives C×0",
  opts = { { "threshold", -60, "dB below full scale" }, { "trailing", false, "trim the end's silence too" } },
  example = "local hit = wick.audio.trim(x, {threshold = -50})" })
add("wick.audio.normalize", { "audio.normalize(samples [, peak]) → samples, gain", "scaled so the largest |sample| is peak (default 1); a silent sound comes back unchanged (gain 1)",
  example = "local loud = wick.audio.normalize(x, 0.9)" })
add("wick.audio.mulaw_encode", { "audio.mulaw_encode(x [, levels]) → codes", "mu-law companding (mu = levels - 1, default 256 levels): integer-valued codes 0..levels-1 of x clipped to [-1, 1], the raw-audio models' 8-bit input",
  example = "local codes = wick.audio.mulaw_encode(x:select(1, 1))" })
add("wick.audio.mulaw_decode", { "audio.mulaw_decode(codes [, levels]) → samples", "the inverse of mulaw_encode: codes 0..levels-1 (integers; anything else is an error) back to [-1, 1]",
  example = "local y = wick.audio.mulaw_decode(codes)" })
add("wick.audio.samples", { "audio.samples([which]) → {{path, name, category, package}, …}", "the sounds of Debian's sonic-pi-samples (category from the file-name prefix: bd, elec, loop…) and hydrogen-drumkits (category = the kit); which is \"sonic-pi\", \"hydrogen\" or nil for both; a missing package is an error naming it (make data)",
  example = 'for _, s in ipairs(wick.audio.samples("sonic-pi")) do print(s.category, s.name) end' })
