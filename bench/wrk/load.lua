-- GET /api/aggregates/{id}/events for the aggregate ids in the file named by the IDS environment variable (one per
-- line), round-robin per thread. Used by bench/compaction-load-ab.sh.
local ids = {}
local i = 0
for line in io.lines(os.getenv("IDS")) do
  ids[#ids + 1] = line
end

request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/api/aggregates/" .. ids[i] .. "/events")
end
