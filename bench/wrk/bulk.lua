counter = 0
-- A new sequence per run: without a seed every run repeats the last one's aggregate ids, and against the same store
-- (a warm-up, then the measured run) those entries fail with wrong_expected_version instead of appending.
math.randomseed(os.time())
local thread_id = 0
setup = function(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
local ev = '{"event_type":"OrderCreated","event_data":{"user_id":"user_12345","currency":"USD","items":[{"sku":"book-4711","quantity":2,"unit_price":19.99}],"total_amount":39.98},"metadata":{"user_id":"user_12345","correlation_id":"req_loadgen"}}'
request = function()
  counter = counter + 1
  local r = math.random(1, 1000000000)
  local parts = {}
  for i = 1, 100 do
    parts[i] = '{"aggregate_id":"bulk-' .. r .. '-' .. tid .. '-' .. counter .. '-' .. i .. '","expected_version":"no_stream","events":' .. ev .. '}'
  end
  return wrk.format("POST", "/api/appends", {["Content-Type"]="application/json"}, '{"appends":[' .. table.concat(parts, ",") .. ']}')
end
