#!/bin/sh
# bench_mrf.sh — CNNMRF patch matching (Li & Wand 2016) at three resolutions on real
# features: InceptionV3's mixed2 (288 channels; `make data`) of Starry Night as the style
# and skimage's astronaut as the synthesis, both fitted to 128, 256 and 512 px. wick
# (nn.patch_bank: tiled GEMM + argmax in C) against PyTorch 1.13 doing the same work
# (unfold + normalised matmul + argmax; the loss Σ|x_i − s_nn(i)|² and its gradient by
# autograd) on the same features, written once by wick to a temporary safetensors file.
# mixed2 (stride 8) gives 121, 729 and 3481 windows of x at the three sizes, against
# 88, 567 and 2714 style patches (a 49-GFLOP match at 512 px); mixed3 (stride 16) would
# give only 16, 144 and 784 windows.
# At 1 and 2 threads: milliseconds for the match and for match + loss + gradient (the
# fastest of several calls), the ratio torch/wick (above 1: wick is faster), and the
# quality — the fraction of indices equal between the two, the largest cosine gap where
# they differ, and the two losses.
set -eu
sh "$(dirname "$0")/machine.sh"
cd "$(dirname "$0")/../.."
WICK=${WICK:-./wick}
tmp=$(mktemp -d /tmp/bench_mrf.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$WICK" tests/bench/bench_mrf.lua prepare "$tmp/feats.safetensors"
field() { echo "$1" | sed "s/.* $2=\([0-9.e+-]*\).*/\1/"; }
for t in 1 2; do
    WICK_THREADS=$t "$WICK" tests/bench/bench_mrf.lua run "$tmp/feats.safetensors" "$tmp/wick.safetensors" > "$tmp/w"
    OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tests/bench/bench_mrf_torch.py "$t" \
        "$tmp/feats.safetensors" "$tmp/wick.safetensors" > "$tmp/p"
    paste -d '\n' "$tmp/w" "$tmp/p" | while IFS= read -r w && IFS= read -r p; do
        size=$(field "$w" size)
        echo "mrf threads=$t size=$size | $w"
        echo "mrf threads=$t size=$size | $p"
        echo "mrf threads=$t size=$size | ratio torch/wick: match $(echo "$(field "$p" match_ms) $(field "$w" match_ms)" |
            awk '{printf "%.2f", $1/$2}'), match+loss+grad $(echo "$(field "$p" match_loss_grad_ms) \
$(field "$w" match_loss_grad_ms)" | awk '{printf "%.2f", $1/$2}')"
    done
done
