-- wrk script of server/bench/run: cycles through the requests listed in a file and prints one RESULT line.
--   wrk ... -s requests.lua http://127.0.0.1:PORT -- REQUESTS_FILE [METHOD] [BODY_FILE] [HEADER]
-- REQUESTS_FILE has one request a line: the path (with query), optionally a TAB and an If-None-Match value.
-- An empty METHOD means GET, an empty BODY_FILE none; HEADER ("Name: value") is sent with every request.
-- Each wrk thread starts at its own place in the list. Errors are socket errors plus responses >= 400.

local requests = {}
local position = 0
local threads = 0

function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function init(args)
  local method = (args[2] ~= nil and args[2] ~= "") and args[2] or "GET"
  local body = nil
  local extra_name, extra_value = nil, nil
  if args[4] and args[4] ~= "" then
    extra_name, extra_value = args[4]:match("^([^:]+):%s*(.*)$")
  end
  if args[3] and args[3] ~= "" then
    local file = assert(io.open(args[3], "rb"))
    body = file:read("*a")
    file:close()
  end
  for line in io.lines(args[1]) do
    local path, etag = line:match("^([^\t]+)\t?(.*)$")
    if path then
      local headers = { ["Accept"] = "application/fhir+json" }
      if etag ~= "" then headers["If-None-Match"] = etag end
      if body then headers["Content-Type"] = "application/fhir+json" end
      if extra_name then headers[extra_name] = extra_value end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  assert(#requests > 0, "no requests in " .. args[1])
  position = (thread_number * 7919) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, _)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errors, summary.requests))
end
