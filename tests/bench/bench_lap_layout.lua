-- bench_lap_layout.lua — the t-SNE layout bench_lap.sh snaps when LAYOUT=tsne: the first
-- N Fashion-MNIST training images, PCA to 50, 2-D t-SNE (perplexity 30, 1,000
-- iterations, seed 0), each axis scaled to [0, 1]; written as N×2 float64 little-endian
-- for both wick's solver and SciPy's.
-- Usage: wick tests/bench/bench_lap_layout.lua N OUT.f64
local wick = require "wick"
local n, out = math.tointeger(tonumber(arg[1])), arg[2]
assert(n and out, "usage: bench_lap_layout.lua N OUT.f64")
wick.seed(0)
local train = wick.data.fashion_mnist()
local x = train.x:narrow(1, 1, n):reshape(n, 28 * 28)
local proj = wick.embed.pca(x, 50)
local y = wick.embed.tsne(proj, { dims = 2, normalize = true, verbose = false })
local f = assert(io.open(out, "wb"))
for i = 1, n do f:write(string.pack("<d<d", y[i][1], y[i][2])) end
f:close()
