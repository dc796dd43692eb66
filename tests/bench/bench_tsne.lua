-- bench_tsne.lua — one wick t-SNE run for bench_tsne.sh: reads the peers' PCA-50 input,
-- runs 1,000 iterations (perplexity 30, PCA init, learning rate auto), prints the wall
-- time and writes the layout for the common KL evaluation.
-- Usage: wick tests/bench/bench_tsne.lua IN.safetensors OUT.safetensors DIMS [METHOD]
local wick = require "wick"
local x = wick.load(arg[1])
local dims, method = tonumber(arg[3]) or 2, arg[4] or "auto"
local t0 = wick.clock()
local y, kls = wick.embed.tsne(x, { dims = dims, method = method, verbose = false })
local wall = wick.clock() - t0
wick.save(y, arg[2])
print(("RESULT tsne%dd wick-%s n%d wall_s=%.2f kl_reported=%.4f"):format(dims, method, x:size(1), wall, kls[1000]))
