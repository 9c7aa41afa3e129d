-- A mix of what a public endpoint gets: named queries, IRI lookups, pages, data documents,
-- SPARQL. Each connection walks the list from its own place. Statuses are counted per
-- thread and summed at the end as one line: "statuses 2xx=N 3xx=N 4xx=N 5xx=N".
local paths = {
  "/api/queries/projects",
  "/api/queries/project-partners",
  "/api/queries/cluster-organisations?format=csv",
  "/api/queries/projects-by-country",
  "/id/project/clusters3",
  "/page/project/clusters3",
  "/page/organisation/spri-basque-country-business-development-agency",
  "/data/project/clusters3.ttl",
  "/data/project/clusters3.jsonld",
  "/page/region/ES21",
  "/sparql?query=SELECT%20%3Fp%20WHERE%20%7B%20%3Fp%20a%20%3Chttp%3A%2F%2Fdata.europa.eu%2Fs66%23Project%3E%20%7D",
  "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
  "/.well-known/void",
  "/browse/project",
}
counts = {}  -- a global: thread:get reads globals
local threads = {}
local position = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = { [2] = 0, [3] = 0, [4] = 0, [5] = 0 }
  position = math.random(#paths)
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position], { ["Accept"] = "*/*" })
end

function response(status, headers, body)
  local class = math.floor(status / 100)
  counts[class] = (counts[class] or 0) + 1
end

function done(summary, latency, requests)
  local total = { [2] = 0, [3] = 0, [4] = 0, [5] = 0 }
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
  end
  io.write(string.format("statuses 2xx=%d 3xx=%d 4xx=%d 5xx=%d\n",
    total[2], total[3], total[4], total[5]))
  io.write(string.format("latency p50=%.2fms p99=%.2fms max=%.2fms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
end
