-- POST /api/v1/track cycling through seeded cases. The file (the first script argument) has one
-- "case_number access_code" pair a line.
--   wrk -t 2 -c 10 -d 15s -s bench/wrk/track.lua http://127.0.0.1:PORT/api/v1/track -- /tmp/cases.txt

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local bodies = {}
local n = 0

function init(args)
   for line in io.lines(args[1]) do
      local number, code = line:match("^(%S+)%s+(%S+)")
      if number then
         table.insert(bodies, string.format('{"case_number":"%s","access_code":"%s"}', number, code))
      end
   end
   assert(#bodies > 0, "no cases in " .. tostring(args[1]))
   n = ((id or 1) - 1) * math.floor(#bodies / 2)  -- threads start half-way apart
end

function request()
   n = n + 1
   return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, bodies[n % #bodies + 1])
end
