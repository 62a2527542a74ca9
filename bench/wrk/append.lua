counter = 0
-- With a server started with --auth: HINDSIGHT_TOKEN=<writer token> wrk ... -s append.lua
local token = os.getenv("HINDSIGHT_TOKEN")
-- A new sequence per run: repeated runs against one store would otherwise reuse aggregate ids (409 no_stream).
math.randomseed(os.time())
local thread_id = 0
setup = function(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
request = function()
  counter = counter + 1
  local path = "/api/aggregates/wrk-" .. math.random(1, 1000000000) .. "-" .. tid .. "-" .. counter .. "/events"
  local headers = {["Content-Type"]="application/json", ["Expected-Version"]="no_stream"}
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("POST", path, headers,
    '{"event_type":"OrderCreated","event_data":{"user_id":"user_12345","currency":"USD","items":[{"sku":"book-4711","quantity":2,"unit_price":19.99}],"total_amount":39.98},"metadata":{"user_id":"user_12345","correlation_id":"req_loadgen"}}')
end
